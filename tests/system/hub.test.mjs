// hub.test.mjs - Keten registers its listener with a TMF621 seller's hub by
// itself (issue 12): a supplier whose chain entry names inbound.callback
// gets exactly one registration, made by the hub sweep of two delivering
// nodes against tests/sim/tmf621-sim.mjs; a removed supplier's
// registration is removed at the hub; a changed callback moves it; a hub
// that refuses at first is tried again until it takes the registration,
// and a restarted node makes none twice; `keten supplier show` tells the
// state; a callback on an adapter without a hub is refused at import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startStack, startNode, chainDoc, keten, eventually, psql, writeChain } from './lib/harness.mjs';
import { startSimProcess } from './lib/sim-process.mjs';

const API_PASSWORD = 'hub-api-password';
const CONFIG = { KETEN_SECRET_TMF_PASSWORD: API_PASSWORD, KETEN_HUB_TICK_MS: '100',
  KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '800' };
let s;
let seller;
let second;

// The stack's chain, and the seller's suppliers (none until a test adds them).
const hubSuppliers = [];
function chain(sims) {
  const doc = chainDoc(sims);
  doc.suppliers.push(...hubSuppliers);
  return doc;
}
const supplier = (key, callback) => ({ key, name: `Telco ${key}`, adapter: 'tmf621',
  endpoint: seller.url, secret_ref: 'env:KETEN_SECRET_TMF_PASSWORD', auth: { kind: 'basic', username: 'keten' },
  inbound: { username: 'tmf-hub', secret_ref: 'env:KETEN_SECRET_TMF_PASSWORD', ...(callback ? { callback } : {}) },
  mapping: { version: 5, entries: { incident: { ticketType: 'Incident' } } } });

function importChain() {
  const file = path.join(s.dir, 'chain-hub.json');
  writeChain(file, chain(s.sims));
  return keten(['chain', 'import', file], s.env);
}

const hubs = () => seller.control('GET', '/_sim/hubs');
const hubPosts = async (callback) => (await seller.control('GET', '/_sim/received'))
  .filter((x) => x.method === 'POST' && x.path.endsWith('/hub') && JSON.parse(x.body).callback === callback);
// The supplier's registrations as `keten supplier show` gives them, read
// by SQL (cheap enough to poll; `show` itself is checked where it matters).
const rowsOf = async (key) => JSON.parse(await psql(s.db, `SELECT COALESCE(json_agg(json_build_object(
  'state', CASE WHEN NOT wanted THEN 'removing' WHEN hub_id IS NULL THEN 'registering' ELSE 'registered' END,
  'callback', callback, 'hub_id', hub_id, 'failures', failures, 'last_error', last_error)
  ORDER BY created_at, id), '[]') FROM hub_subscriptions WHERE supplier_key = '${key}'`));
const show = (key) => {
  const r = keten(['supplier', 'show', key], s.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout).hub_subscriptions;
};

before(async () => {
  s = await startStack({ chain, config: CONFIG });
  seller = await startSimProcess(s, 'tmf621', ['--api-version', '5'], { SIM_PASSWORD: API_PASSWORD });
  second = await startNode(s, 'second', CONFIG);
});

after(async () => {
  if (second) await second.stop();
  if (seller?.proc.exitCode === null) {
    seller.proc.kill('SIGTERM');
    await new Promise((r) => seller.proc.once('exit', r));
  }
  if (s) await s.stop();
});

test('an imported supplier with a callback is registered once, by one of two nodes', async () => {
  const callback = `${s.url}/v1/inbound/telco-a`;
  hubSuppliers.push(supplier('telco-a', callback));
  const r = importChain();
  assert.equal(r.code, 0, r.stderr + r.stdout);
  await eventually(async () => (await rowsOf('telco-a'))[0]?.state === 'registered', 60000,
    'telco-a registered');
  const [sub, ...more] = show('telco-a');
  assert.deepEqual(more, []);
  assert.equal(sub.state, 'registered');
  assert.equal(sub.callback, callback);
  assert.deepEqual((await hubs()).map((h) => [h.id, h.callback]), [[sub.hub_id, callback]]);
  // A second supplier registered afterwards means both nodes swept many
  // times since: telco-a still has its one registration.
  hubSuppliers.push(supplier('telco-b', `${s.url}/v1/inbound/telco-b`));
  assert.equal(importChain().code, 0);
  await eventually(async () => (await rowsOf('telco-b'))[0]?.state === 'registered', 60000,
    'telco-b registered');
  assert.equal((await hubPosts(callback)).length, 1);
  assert.equal((await hubs()).filter((h) => h.callback === callback).length, 1);
  assert.equal(await psql(s.db, "SELECT count(*) FROM hub_subscriptions WHERE supplier_key = 'telco-a'"), '1');
  // An import that changes nothing of the registration keeps it.
  assert.equal(importChain().code, 0);
  assert.equal(show('telco-a')[0].hub_id, sub.hub_id);
});

test('a removed supplier\'s registration is removed at the hub', async () => {
  const key = 'telco-gone';
  const callback = `${s.url}/v1/inbound/${key}`;
  hubSuppliers.push(supplier(key, callback));
  assert.equal(importChain().code, 0);
  const [sub] = await eventually(async () => {
    const rows = await rowsOf(key);
    return rows[0]?.state === 'registered' && rows;
  }, 60000, `${key} registered`);
  hubSuppliers.splice(hubSuppliers.findIndex((x) => x.key === key), 1);
  const del = await s.api('DELETE', `/v1/suppliers/${key}`, { key: s.keys.integrator });
  assert.equal(del.status, 204, JSON.stringify(del.json));
  await eventually(async () => !(await hubs()).some((h) => h.id === sub.hub_id), 60000, 'the hub registration removed');
  await eventually(async () => (await rowsOf(key)).length === 0, 60000, 'the row gone');
  assert.deepEqual(show(key), []);
  const deletes = (await seller.control('GET', '/_sim/received'))
    .filter((x) => x.method === 'DELETE' && x.path.endsWith(`/hub/${sub.hub_id}`));
  assert.deepEqual(deletes.map((x) => x.answered), [204]);
});

test('a changed callback moves the registration', async () => {
  const key = 'telco-a';
  const before = show(key)[0];
  const moved = `${second.url}/v1/inbound/${key}`;
  hubSuppliers.find((x) => x.key === key).inbound.callback = moved;
  assert.equal(importChain().code, 0);
  const [now] = await eventually(async () => {
    const rows = await rowsOf(key);
    return rows.length === 1 && rows[0].state === 'registered' && rows[0].callback === moved && rows;
  }, 60000, 'the registration moved');
  assert.notEqual(now.hub_id, before.hub_id);
  const mine = (await hubs()).filter((h) => h.callback.endsWith(`/v1/inbound/${key}`));
  assert.deepEqual(mine.map((h) => [h.id, h.callback]), [[now.hub_id, moved]]);
});

test('a hub that refuses at first is tried again until it takes the registration; a restarted node registers nothing twice', async () => {
  const key = 'telco-late';
  const callback = `${s.url}/v1/inbound/${key}`;
  const moved = show('telco-a')[0];
  await second.stop();
  second = await startNode(s, 'second-again', CONFIG);
  await seller.control('POST', '/_sim/mode', { mode: 'status', status: 503, method: 'POST' });
  hubSuppliers.push(supplier(key, callback));
  assert.equal(importChain().code, 0);
  const failing = await eventually(async () => {
    const rows = await rowsOf(key);
    return rows[0]?.failures >= 2 && rows[0];
  }, 60000, 'failures recorded');
  assert.equal(failing.state, 'registering');
  assert.match(failing.last_error, /503/);
  assert.equal(show(key)[0].state, 'registering');
  await seller.control('POST', '/_sim/mode', { mode: 'normal' });
  await eventually(async () => (await rowsOf(key))[0]?.state === 'registered', 60000,
    `${key} registered once the hub takes it`);
  const [sub] = show(key);
  assert.equal(sub.failures, 0);
  assert.equal(sub.last_error, null);
  const posts = await hubPosts(callback);
  assert.ok(posts.length >= 3, JSON.stringify(posts));
  assert.deepEqual(posts.map((x) => x.answered), [...posts.slice(1).map(() => 503), 201]);
  assert.deepEqual((await hubs()).filter((h) => h.callback === callback).map((h) => h.id), [sub.hub_id]);
  // Both nodes swept many times since the restart: telco-a kept its one.
  assert.equal((await hubPosts(moved.callback)).length, 1);
  assert.deepEqual(show('telco-a').map((x) => [x.state, x.hub_id]), [['registered', moved.hub_id]]);
});

test('a callback on an adapter without a hub is refused at import', async () => {
  const doc = chain(s.sims);
  doc.suppliers[0].inbound = { callback: `${s.url}/v1/inbound/netco` };
  const file = path.join(s.dir, 'chain-bad.json');
  writeFileSync(file, JSON.stringify(doc));
  const r = keten(['chain', 'import', file], s.env);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /\/suppliers\/0\/inbound\/callback: adapter webhook takes no hub subscription/);
});
