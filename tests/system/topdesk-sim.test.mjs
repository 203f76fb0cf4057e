// topdesk-sim.test.mjs - tests/sim/topdesk-sim.mjs itself, without a
// broker: it refuses what TOPdesk refuses (a wrong application password, a
// create without a caller, a briefDescription over 80 characters), lists
// only first- and second-line incidents unless all=true, and answers the
// poll requests of adapters/topdesk.md (FIQL on modificationDate, keyset
// pages, fields) the way the adapter reads them; 429 with Retry-After.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync, mkdtempSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { certs, eventually } from './lib/harness.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
let proc;
let base;

before(async () => {
  const dir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'tdsim-'));
  const portFile = path.join(dir, 'port');
  proc = spawn(process.execPath, [path.join(ROOT, 'tests/sim/topdesk-sim.mjs'), '--cert', certs().cert,
    '--tls-key', certs().key, '--port-file', portFile, '--login', 'keten'],
  { env: { ...process.env, SIM_PASSWORD: 'pw' }, stdio: 'ignore' });
  const port = await eventually(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim(),
    15000, 'the simulator listening');
  base = `https://127.0.0.1:${port}`;
});

after(async () => {
  proc.kill('SIGTERM');
  await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
});

function call(method, p, body, auth = 'keten:pw') {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = text ? { 'content-type': 'application/json' } : {};
    if (auth) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    const req = https.request(new URL(p, base), { method, headers, ca: readFileSync(certs().ca), agent: false },
      (res) => {
        let t = '';
        res.on('data', (d) => { t += d; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: t ? JSON.parse(t) : null }));
      });
    req.on('error', reject);
    req.end(text);
  });
}

const create = (summary, extra = {}) => call('POST', '/tas/api/incidents', {
  briefDescription: summary, callerLookup: { id: 'c-1' }, externalNumber: `leg-${summary}`, ...extra });
const poll = (op, at, size, more = '') => call('GET', '/tas/api/incidents?query=' +
  encodeURIComponent(`modificationDate=${op}=${at}`) + `&sort=modificationDate:asc&pageSize=${size}` +
  `&fields=${encodeURIComponent(`id,externalNumber,modificationDate${more}`)}&all=true`);

test('refusals: application password, caller, briefDescription, 429', async () => {
  assert.equal((await call('GET', '/tas/api/version', undefined, 'keten:wrong')).status, 401);
  assert.equal((await call('GET', '/tas/api/version', undefined, null)).status, 401);
  assert.equal((await call('GET', '/tas/api/version')).json.version, '3.5.0');
  let r = await call('POST', '/tas/api/incidents', { briefDescription: 'no caller' });
  assert.equal(r.status, 400);
  assert.match(r.json[0].message, /caller/);
  r = await create('é'.repeat(80), { externalNumber: 'leg-80' });
  assert.equal(r.status, 201, '80 characters (160 bytes) fit');
  r = await create('🔥'.repeat(41), { externalNumber: 'leg-82' });
  assert.equal(r.status, 400, '41 characters outside the BMP are 82 UTF-16 units');
  assert.match(r.json[0].message, /briefDescription/);
  r = await create('long reference', { externalNumber: 'x'.repeat(61) });
  assert.equal(r.status, 400, 'externalNumber holds 60 characters');
  await call('POST', '/_sim/mode', { mode: 'status', status: 429, retry_after: '2' });
  r = await call('GET', '/tas/api/version');
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], '2');
  await call('POST', '/_sim/mode', { mode: 'normal' });
});

test('lists: all=true for every line, FIQL keyset pages, one busy instant', async () => {
  const made = [];
  for (const n of ['a', 'b', 'c', 'd', 'e']) made.push((await create(`poll-${n}`)).json);
  const at = '2030-01-01T10:00:00.000+0000';
  for (const inc of made.slice(0, 4)) {
    assert.equal((await call('POST', '/_sim/change', { incident: inc.id, at, push: false })).status, 200);
  }
  await call('POST', '/_sim/change', { incident: made[4].id, at: '2030-01-01T10:00:01.000+0000',
    line: 'partialArchived', push: false });
  // Without all=true a partial incident is not listed.
  let r = await call('GET', '/tas/api/incidents?query=' + encodeURIComponent('externalNumber==leg-poll-e'));
  assert.equal(r.status, 204);
  r = await call('GET', '/tas/api/incidents?query=' + encodeURIComponent('externalNumber==leg-poll-e') + '&all=true');
  assert.equal(r.json.length, 1);

  // A full page of one instant: more behind it (206), and the page of
  // every incident from that instant marks itself with creationDate.
  r = await poll('gt', '2029-12-31T00:00:00.000Z', 3);
  assert.equal(r.status, 206);
  assert.equal(r.json.length, 3);
  assert.ok(r.json.every((i) => i.modificationDate === at && !('creationDate' in i)));
  r = await poll('ge', '2030-01-01T10:00:00.000Z', 10000, ',creationDate');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.map((i) => i.externalNumber), ['leg-poll-a', 'leg-poll-b', 'leg-poll-c', 'leg-poll-d', 'leg-poll-e']);
  assert.ok(r.json.every((i) => 'creationDate' in i));
  r = await poll('gt', '2030-01-01T10:00:01.000Z', 3);
  assert.equal(r.status, 204, 'nothing after the last change');
  r = await call('GET', '/tas/api/incidents?query=' + encodeURIComponent('colour==blue'));
  assert.equal(r.status, 400);
});

test('lists for reconcile: externalNumber!=null (empty is null), creationDate order, pageStart pages', async () => {
  const ours = [];
  for (const n of ['r1', 'r2', 'r3']) ours.push((await create(`list-${n}`)).json.id);
  await create('list-none', { externalNumber: '' });
  const list = (start, size) => call('GET', '/tas/api/incidents?query=' + encodeURIComponent('externalNumber!=null') +
    `&all=true&sort=creationDate:asc&pageStart=${start}&pageSize=${size}&fields=` +
    encodeURIComponent('id,externalNumber'));
  const all = (await list(0, 10000)).json;
  assert.ok(all.every((i) => i.externalNumber !== '' && Object.keys(i).sort().join() === 'externalNumber,id'));
  const seen = [];
  let r;
  for (let start = 0; (r = await list(start, 2)).status !== 204; start += r.json.length) {
    seen.push(...r.json.map((i) => i.id));
    if (r.status === 200) break;
    assert.equal(r.status, 206);
  }
  assert.deepEqual(seen, all.map((i) => i.id), 'the pages make up the whole list, in creation order');
  assert.deepEqual(seen.slice(-3), ours);
});
