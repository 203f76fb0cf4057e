// cli.test.mjs - the keten command line: help on every subcommand,
// migrations that re-run as a no-op, chain import --dry-run, key creation
// rules, config checks, and a broker whose database is unreachable
// answering 503 in JSON within a bounded time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { keten, newDatabase, dbUrl, psql, certs, chainDoc, request, eventually, writeChain, opsEnv,
  opsHeaders } from './lib/harness.mjs';

const unreachable = { netco: { url: 'https://127.0.0.1:1' }, hostco: { url: 'https://127.0.0.1:1' } };

test('every subcommand has --help', () => {
  for (const args of [['--help'], ['serve', '--help'], ['migrate', '--help'], ['chain', '--help'],
    ['chain', 'import', '--help'], ['chain', 'export', '--help'], ['key', '--help'], ['key', 'create', '--help'],
    ['supplier', '--help']]) {
    const r = keten(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /usage/i, args.join(' '));
  }
  assert.equal(keten(['nonsense']).code, 2);
});

test('migrations apply once; re-running is a no-op', async () => {
  const env = { KETEN_DATABASE_URL: dbUrl(await newDatabase()) };
  let r = keten(['migrate'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /[1-9]\d* migration\(s\) applied/);
  r = keten(['migrate'], env);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^migrate: 0 migration\(s\) applied/);
});

test('chain import --dry-run changes nothing; keys need a scope that exists', async () => {
  const db = await newDatabase();
  const env = { KETEN_DATABASE_URL: dbUrl(db) };
  assert.equal(keten(['migrate'], env).code, 0);
  const dir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'cli-'));
  const file = path.join(dir, 'chain.json');
  writeChain(file, chainDoc(unreachable), 0);
  let r = keten(['chain', 'import', '--dry-run', file], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\+ customer acme/);
  assert.match(r.stdout, /dry run/);
  assert.equal(await psql(db, 'SELECT count(*) FROM customers'), '0');
  r = keten(['chain', 'import', file], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /service acme-workplace id [0-9a-f-]{36}/);
  r = keten(['chain', 'import', file], env);
  assert.match(r.stdout, /chain import: 0 change\(s\)/);

  writeFileSync(file, '{"customers": [{"key": "Bad Key"}]}');
  r = keten(['chain', 'import', file], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/customers\/0\/key/);
  assert.match(r.stderr, /\/customers\/0\/name/);

  assert.equal(keten(['key', 'create', '--role', 'customer'], env).code, 2);
  assert.equal(keten(['key', 'create', '--role', 'integrator', '--customer', 'acme'], env).code, 2);
  r = keten(['key', 'create', '--role', 'customer', '--customer', 'nobody'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no customer "nobody"/);
  r = keten(['key', 'create', '--role', 'supplier', '--supplier', 'netco'], env);
  assert.equal(r.code, 0);
  assert.match(r.stdout.trim(), /^kt_[A-Za-z0-9_-]{43}$/);
  assert.equal(await psql(db, 'SELECT count(*) FROM api_keys'), '1');
  assert.equal(await psql(db, `SELECT count(*) FROM api_keys WHERE hash = sha256('${r.stdout.trim()}'::bytea)`), '1',
    'only the hash is stored');

  // supplier check: an adapter without live checks has nothing to try; an
  // unknown supplier or a secret that cannot be read fails plainly.
  r = keten(['supplier', 'check', 'netco'], { ...env, KETEN_SECRET_NETCO: 'whsec_' + 'A'.repeat(32) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /adapter webhook has no live checks/);
  r = keten(['supplier', 'check', 'nobody'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no supplier "nobody"/);
  r = keten(['supplier', 'check', 'netco'], { ...env, KETEN_SECRET_NETCO: '' });
  assert.equal(r.code, 1);
  assert.equal(keten(['supplier', 'check'], env).code, 2);
});

test('serve --check-config validates without serving', () => {
  const ok = { KETEN_DATABASE_URL: 'host=/nonexistent', KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key };
  let r = keten(['serve', '--check-config'], ok);
  assert.equal(r.code, 0, r.stderr);
  r = keten(['serve', '--check-config'], { ...ok, KETEN_DATABASE_URL: '' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /database_url/);
  r = keten(['serve', '--check-config'], { ...ok, KETEN_TLS_KEY: '/nonexistent.key' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /tls_key/);
  r = keten(['serve', '--check-config'], { ...ok, KETEN_LEASE_MS: '1000', KETEN_SUPPLIER_TIMEOUT_MS: '2000' });
  assert.equal(r.code, 1);
  r = keten(['serve', '--check-config'], { ...ok, KETEN_DB_POOL_SIZE: 'many' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /db_pool_size/);
});

test('with the database unreachable, /readyz and the API answer 503 in JSON within a bound', async () => {
  const dir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'down-'));
  const portFile = path.join(dir, 'port');
  const proc = spawn(process.env.KETEN_BIN, ['serve', '--listen', '127.0.0.1:0', '--port-file', portFile], {
    env: { ...process.env, KETEN_DATABASE_URL: `host=${dir}/nosocket user=postgres dbname=x`,
      KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key, KETEN_DB_DEADLINE_MS: '1000',
      ...opsEnv() },
    stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  try {
    const port = await eventually(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim(),
      20000, 'the port file written');
    const url = `https://127.0.0.1:${port}`;
    const h = await request(url, 'GET', '/healthz');
    assert.equal(h.status, 200, 'the process is up');
    for (const [method, p, opts] of [['GET', '/readyz', { headers: opsHeaders() }],
      ['POST', '/v1/tickets', { key: 'kt_' + 'a'.repeat(43), body: { any: 1 } }]]) {
      const t0 = Date.now();
      const r = await request(url, method, p, opts);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error.code, 'database_unavailable');
      assert.equal(r.headers['retry-after'], '1');
      assert.ok(Date.now() - t0 < 15000, 'answered within a generous bound');
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  assert.equal(proc.exitCode, 0, log.slice(-3000));
  assert.doesNotMatch(log, /Sanitizer|runtime error/);
});

test('serve refuses a database that lacks migrations of its release, and serves one a newer release migrated', async () => {
  const db = await newDatabase();
  const dir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'schema-'));
  const env = { KETEN_DATABASE_URL: dbUrl(db), KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key,
    KETEN_PORT_FILE: path.join(dir, 'port'), KETEN_LISTEN: '127.0.0.1:0', ...opsEnv() };
  let r = keten(['serve'], env);
  assert.equal(r.code, 1, 'never migrated: refused');
  assert.match(r.stderr, /lacks \d+ migration\(s\) of this release, from 001_core: run `keten migrate` first/);
  assert.equal(existsSync(env.KETEN_PORT_FILE), false, 'it never listened');

  assert.equal(keten(['migrate'], env).code, 0);
  const [version, name] = (await psql(db, 'SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1')).split('|');
  await psql(db, `DELETE FROM schema_migrations WHERE version = ${version}`);
  r = keten(['serve'], env);
  assert.equal(r.code, 1, 'one migration short: refused');
  assert.match(r.stderr, new RegExp(`lacks 1 migration\\(s\\) of this release, from ${name}:`));

  // A newer release's migration (unknown here) is recorded: older nodes keep serving.
  await psql(db, `INSERT INTO schema_migrations (version, name) VALUES (${version}, '${name}'), (9999, '9999_future')`);
  const proc = spawn(process.env.KETEN_BIN, ['serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  try {
    const port = await eventually(() => existsSync(env.KETEN_PORT_FILE) && readFileSync(env.KETEN_PORT_FILE, 'utf8').trim(),
      20000, 'the port file written');
    const ready = await eventually(async () => (await request(`https://127.0.0.1:${port}`, 'GET', '/readyz',
      { headers: opsHeaders() })).status === 200,
      20000, '/readyz 200');
    assert.ok(ready);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((res) => proc.once('exit', res));
  }
  assert.equal(proc.exitCode, 0, log.slice(-3000));
});
