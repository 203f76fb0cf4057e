// chain-schema.test.mjs - keten and schemas/chain.schema.json state the same
// structural rules: every fixture under tests/system/fixtures/chain/ (valid/
// and invalid/, each self-contained so that no verdict depends on the
// database) gets the same verdict from `keten chain import --dry-run`
// against a fresh migrated database and from ajv (JSON Schema 2020-12); for
// an invalid one keten lists every problem with its JSON path, one of them
// at or under a path ajv names. The unit tests' chain cases say what the
// schema makes of each of them ("schema valid|invalid" in their .expect):
// checked here too, as only ajv can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { keten, newDatabase, dbUrl, psql } from './lib/harness.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'tests/system/fixtures/chain');
const UNIT_CASES = path.join(ROOT, 'tests/unit/data/chain');

function schemaValidator() {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/chain.schema.json'), 'utf8'));
  // strict: the schema itself must not have a keyword ajv would ignore.
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  return ajv.compile(schema);
}

const files = (dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

// The JSON pointers of keten's problem lines ("  /a/b: message").
const ketenPaths = (stderr) => [...stderr.matchAll(/^ {2}((?:\/[^:\n]*)?): /gm)].map((m) => m[1]);

test('every fixture gets the same verdict from keten and from the JSON Schema', async () => {
  const validate = schemaValidator();
  const db = await newDatabase();
  const env = { KETEN_DATABASE_URL: dbUrl(db) };
  assert.equal(keten(['migrate'], env).code, 0);
  const counts = {};
  for (const want of ['valid', 'invalid']) {
    const names = files(path.join(FIXTURES, want));
    counts[want] = names.length;
    for (const name of names) {
      const file = path.join(FIXTURES, want, name);
      const schemaOk = validate(JSON.parse(readFileSync(file, 'utf8')));
      assert.equal(schemaOk ? 'valid' : 'invalid', want,
        `${want}/${name}: the schema says ${schemaOk ? 'valid' : JSON.stringify(validate.errors)}`);
      const r = keten(['chain', 'import', '--dry-run', file], env);
      if (want === 'valid') {
        assert.equal(r.code, 0, `${want}/${name}: keten refused it:\n${r.stderr}`);
        assert.match(r.stdout, /\(dry run, nothing applied\)/);
        continue;
      }
      assert.equal(r.code, 1, `${want}/${name}: keten accepted it:\n${r.stdout}`);
      const paths = ketenPaths(r.stderr);
      assert.ok(paths.length > 0, `${want}/${name}: no JSON path in\n${r.stderr}`);
      const schemaPaths = validate.errors.map((e) => e.instancePath);
      assert.ok(paths.some((p) => schemaPaths.some((s) => p === s || p.startsWith(s + '/'))),
        `${want}/${name}: keten's paths ${JSON.stringify(paths)} are not at or under the schema's ${JSON.stringify(schemaPaths)}`);
    }
  }
  assert.ok(counts.valid >= 10 && counts.invalid >= 25, JSON.stringify(counts));
  assert.equal(await psql(db, 'SELECT count(*) FROM customers') + await psql(db, 'SELECT count(*) FROM suppliers'), '00',
    'dry runs applied nothing');
});

test('the unit tests\' chain cases are what their .expect says the schema makes of them', () => {
  const validate = schemaValidator();
  for (const sub of ['valid', 'invalid']) {
    for (const name of files(path.join(UNIT_CASES, sub))) {
      const expect = path.join(UNIT_CASES, sub, name.replace(/\.json$/, '.expect'));
      const said = existsSync(expect) ? /^schema (\w+)$/m.exec(readFileSync(expect, 'utf8')) : null;
      const want = sub === 'valid' ? 'valid' : said?.[1];
      assert.ok(want, `${sub}/${name}: its .expect needs a schema line`);
      if (want === 'unparsed')
        continue; // JSON.parse takes what Jansson refuses (a member twice)
      const ok = validate(JSON.parse(readFileSync(path.join(UNIT_CASES, sub, name), 'utf8')));
      assert.equal(ok ? 'valid' : 'invalid', want, `${sub}/${name}: ${JSON.stringify(validate.errors)}`);
    }
  }
});
