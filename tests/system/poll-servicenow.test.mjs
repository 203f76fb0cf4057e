// poll-servicenow.test.mjs - polling through a real adapter: the
// `servicenow` adapter's records and journal feeds against servicenow-sim,
// with pushes off, through the real broker. A state, a public comment, a
// work note and a resolve made at ServiceNow come back by polling, each
// applied once though the overlap window reads it again; with two nodes
// polling and one killed with SIGKILL mid-way, every comment comes back
// exactly once, also those older than a status read first from the other
// feed (journal entries are append-only facts, never stale).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { startStack, startNode, chainDoc, certs, keten, eventually, psql, request } from './lib/harness.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ITEM = '060f3afa3731300054b6a3549dbe5d3e';
const PASSWORD = 'sim-password-1';
const TOKEN = 'push-token-1';

const mapping = {
  integration_user: 'svc.keten',
  entries: {
    incident: { table: 'incident', close_code: 'Solved (Permanently)',
      fields: { caller_id: '5137153cc611227c000bbd1bd8cd2005', category: 'network' } },
    change: { table: 'change_request', close_code: 'successful',
      status_in: { '-5': 'new', '-1': 'in_progress', 0: 'in_progress', 3: 'closed', 4: 'cancelled' },
      status_out: { in_progress: '-1', resolved: '0', cancelled: '4' } },
    problem: { table: 'problem',
      status_in: { 101: 'new', 102: 'in_progress', 106: 'resolved', 107: 'closed' },
      status_out: { in_progress: '102', resolved: '106', cancelled: '107' } },
    request: { catalog_item: ITEM, summary_variable: 'short_description', description_variable: 'details',
      status_in: { 1: 'new', 2: 'in_progress', 3: 'closed', 4: 'cancelled' },
      status_out: { in_progress: '2', resolved: '3', cancelled: '4' } },
  },
};

// The test chain plus supplier snow (ServiceNow at endpoint, polled every
// 300 ms in pages of 2) and service acme-sn whose one component it supplies.
const chainWith = (endpoint) => (sims) => {
  const doc = chainDoc(sims);
  doc.suppliers.push({ key: 'snow', name: 'Acme ServiceNow', adapter: 'servicenow', endpoint,
    secret_ref: 'env:KETEN_SECRET_SNOW', auth: { kind: 'basic', username: 'svc.keten' },
    poll: { interval_ms: 300, overlap_ms: 3000, page_size: 2 },
    inbound: { secret_ref: 'env:KETEN_INBOUND_SNOW' }, mapping });
  doc.services.push({ key: 'acme-sn', customer: 'acme', name: 'ServiceNow Acme', default_component: 'desk',
    components: [{ key: 'desk', name: 'Desk', kind: 'application', supplier: 'snow' }] });
  return doc;
};

let s;
let sn; // {url, proc, control(method, path, body)}

async function startSnowSim(brokerUrl) {
  const portFile = path.join(s.dir, 'snow.port');
  const proc = spawn(process.execPath, [path.join(ROOT, 'tests/sim/servicenow-sim.mjs'),
    '--cert', certs().cert, '--tls-key', certs().key, '--port-file', portFile,
    '--user', 'svc.keten', '--catalog-item', ITEM, '--key', 'snow',
    '--broker-url', brokerUrl, '--broker-ca', certs().ca],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIM_PASSWORD: PASSWORD, SIM_TOKEN: TOKEN } });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const port = await eventually(() => { try { return readFileSync(portFile, 'utf8'); } catch { return null; } },
    10000, `servicenow-sim up (${out})`);
  const url = `https://127.0.0.1:${port}`;
  return { url, proc, log: () => out,
    async control(method, p, body) { return (await request(url, method, p, { body })).json; } };
}

before(async () => {
  s = await startStack({ chain: chainWith('https://127.0.0.1:1'),
    config: { KETEN_SECRET_SNOW: PASSWORD, KETEN_INBOUND_SNOW: TOKEN, KETEN_POLL_TICK_MS: '100', KETEN_LEASE_MS: '2000', KETEN_SUPPLIER_TIMEOUT_MS: '1000' } });
  sn = await startSnowSim(s.url);
  const file = path.join(s.dir, 'chain-snow.json');
  writeFileSync(file, JSON.stringify(chainWith(sn.url)(s.sims), null, 2));
  const r = keten(['chain', 'import', file], s.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
});

after(async () => {
  if (sn && sn.proc.exitCode === null) {
    sn.proc.kill('SIGTERM');
    await new Promise((r) => sn.proc.once('exit', r));
  }
  await s.stop();
});

const fileTicket = async (type, summary) => {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-sn'], type, summary, description: `${type} from Keten`, impact: 1, urgency: 2 } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
};

const legOf = async (ticket) => {
  const row = await psql(s.db, `SELECT id, coalesce(external_id, '') FROM legs WHERE ticket_id = '${ticket}'`);
  const [id, external] = row.split('|');
  return { id, external };
};

// The leg once its create is delivered and the record's sys_id kept.
const deliveredLeg = (ticket) => eventually(async () => {
  const l = await legOf(ticket);
  return l.external && l;
}, 20000, 'the create delivered');

const integratorView = async (ticket) => (await s.api('GET', `/v1/tickets/${ticket}`, { key: s.keys.integrator })).json;
const legStatus = (ticket) => psql(s.db, `SELECT status FROM legs WHERE ticket_id = '${ticket}'`);

const notes = (tl, text) => tl.filter((e) => e.data?.text === text).length;

test('changes at ServiceNow come back by polling, each once', async () => {
  const t = await fileTicket('incident', 'printer on fire');
  const leg = await deliveredLeg(t);
  await sn.control('POST', '/_sim/change', { sys_id: leg.external, fields: { state: '2' } });
  await eventually(async () => await legStatus(t) === 'in_progress', 15000, 'the leg in progress (polled)');
  await sn.control('POST', '/_sim/change', { sys_id: leg.external, comment: 'Engineer on the way' });
  await sn.control('POST', '/_sim/change', { sys_id: leg.external, work_note: 'toner vendor ticket 4711' });
  await eventually(async () => {
    const tl = (await integratorView(t)).timeline;
    return notes(tl, 'toner vendor ticket 4711') === 1 && notes(tl, 'Engineer on the way') === 1;
  }, 15000, 'both journal entries applied (polled)');
  await sn.control('POST', '/_sim/change', { sys_id: leg.external,
    fields: { state: '6', close_code: 'Solved (Permanently)', close_notes: 'new printer' } });
  await eventually(async () => await legStatus(t) === 'resolved', 15000, 'the leg resolved (polled)');
  // The overlap window (3 s, polls every 300 ms) reads each change again
  // and again: still once each.
  await new Promise((r) => setTimeout(r, 1500));
  const tl = (await integratorView(t)).timeline;
  assert.equal(notes(tl, 'Engineer on the way'), 1);
  assert.equal(notes(tl, 'toner vendor ticket 4711'), 1);
  const customer = JSON.stringify((await s.api('GET', `/v1/tickets/${t}`, { key: s.keys.acme })).json);
  assert.ok(customer.includes('Engineer on the way'), 'the customer sees the public comment');
  assert.ok(!customer.includes('toner vendor ticket 4711'), 'not the work note');
  const feeds = (await psql(s.db, `SELECT p.feed, p.failures FROM supplier_polls p
    JOIN suppliers x ON x.id = p.supplier_id WHERE x.key = 'snow' ORDER BY p.feed`)).split('\n');
  assert.deepEqual(feeds, ['journal|0', 'records|0']);
});

test('two nodes poll; a node killed mid-way leaves nothing missed or doubled', async () => {
  const b = await startNode(s, 'node-b', { KETEN_SECRET_SNOW: PASSWORD, KETEN_INBOUND_SNOW: TOKEN,
    KETEN_POLL_TICK_MS: '100', KETEN_LEASE_MS: '2000', KETEN_SUPPLIER_TIMEOUT_MS: '1000' });
  const t = await fileTicket('incident', 'two nodes');
  const leg = await deliveredLeg(t);
  const owners = new Set();
  for (let i = 0; i < 12; i++) {
    await sn.control('POST', '/_sim/change', { sys_id: leg.external, comment: `note ${i}`,
      fields: i % 4 === 3 ? { state: i % 8 === 3 ? '3' : '2', hold_reason: '1' } : undefined });
    for (const o of (await psql(s.db, 'SELECT lease_owner FROM supplier_polls WHERE lease_owner IS NOT NULL'))
      .split('\n')) if (o) owners.add(o);
    if (i === 5) await b.kill();
    await new Promise((r) => setTimeout(r, 250));
  }
  await eventually(async () => {
    const tl = (await integratorView(t)).timeline;
    return Array.from({ length: 12 }, (_, i) => `note ${i}`).every((n) => notes(tl, n) >= 1);
  }, 20000, 'every note applied');
  const tl = (await integratorView(t)).timeline;
  for (let i = 0; i < 12; i++) assert.equal(notes(tl, `note ${i}`), 1, `note ${i} once`);
  assert.ok(owners.size >= 1);
});
