// tmf621.test.mjs - the `tmf621` adapter against tests/sim/tmf621-sim.mjs
// (one seller in v4, one in v5) through a real broker. Every request the
// adapter sends, every answer and event of the simulators is checked
// against TM Forum's official OpenAPI documents (the simulators list what
// breaks them: none may). Covered: a create in its entry's ticketType
// with Keten's reference (v4 externalId, v5 externalIdentifier with
// @type), a type without an entry refused; statuses both ways (the
// seller's events at the listener path, answered 201 / 204; Keten's
// reopen and close as status + statusChangeReason); comments as notes
// once (work notes kept back as the mapping says), the seller's notes
// back, Keten's own not echoed; a rejection; polling by lastUpdate.gt;
// the listener registered with each hub by Keten itself (hub.test.mjs has
// the rest of that), and by hand with `keten supplier subscribe`;
// a create whose answer was lost found by the lookup, not duplicated;
// a 429 with Retry-After waited out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { startStack, startNode, chainDoc, certs, keten, eventually, psql, request, writeChain } from './lib/harness.mjs';
import { view } from './lib/tickets.mjs';
import Ajv2020 from 'ajv/dist/2020.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const API_PASSWORD = 'tmf-api-password';
const HUB_PASSWORD = 'tmf-hub-password';
const sellers = { 4: null, 5: null, list: null };
const procs = [];
let s;

const mappingOf = (version) => ({
  version,
  entries: { incident: { ticketType: version === 4 ? 'incident' : 'Incident' },
    request: { ticketType: version === 4 ? 'request' : 'ServiceRequest' } },
  priority: { 1: 'Critical', 2: 'High', 3: 'Medium', 4: 'Low', 5: 'Low' },
  related_party: [{ role: 'customer', id: 'acme', name: 'Acme BV' }],
});

// Suppliers tmf4 and tmf5 (events by the hub) and tmf5-polled (the v5
// seller once more, polled), each with a service whose one component it is.
function chain(sims) {
  const doc = chainDoc(sims);
  const add = (key, version, extra = {}) => {
    doc.suppliers.push({ key, name: `Telco ${key}`, adapter: 'tmf621',
      endpoint: sellers[version]?.url ?? 'https://127.0.0.1:1', secret_ref: 'env:KETEN_SECRET_TMF_PASSWORD',
      auth: { kind: 'basic', username: 'keten' },
      inbound: { secret_ref: 'env:KETEN_SECRET_TMF_HUB', username: 'tmf-hub' },
      mapping: mappingOf(version === 4 ? 4 : 5), ...extra });
    doc.services.push({ key: `svc-${key}`, customer: 'acme', name: `Line ${key}`, default_component: `line-${key}`,
      components: [{ key: `line-${key}`, name: `Line ${key}`, kind: 'network', supplier: key }] });
  };
  // Keten registers its listener with the hub of each seller whose entry
  // names a callback (once the broker's address is known).
  const hub = (key) => (s ? { inbound: { secret_ref: 'env:KETEN_SECRET_TMF_HUB', username: 'tmf-hub',
    callback: `${s.url}/v1/inbound/${key}` } } : {});
  add('tmf4', 4, hub('tmf4'));
  add('tmf5', 5, hub('tmf5'));
  add('tmf5-polled', 5, { poll: { interval_ms: 300, overlap_ms: 2000, page_size: 2 } });
  // A seller that ignores TMF630 filters: polled by listing, and one whose
  // mapping still counts on the filter (what `keten supplier check` finds).
  add('tmf5-list', 'list', { poll: { interval_ms: 300, overlap_ms: 2000, page_size: 2 } });
  doc.suppliers.at(-1).mapping.poll_filter = false;
  add('tmf5-probe', 'list');
  return doc;
}

// Seller name (4, 5, or list: a v5 seller that ignores filters).
async function startSeller(name) {
  const portFile = path.join(s.dir, `tmf${name}.port`);
  const version = name === 4 ? 4 : 5;
  const proc = spawn(process.execPath, [path.join(ROOT, 'tests/sim/tmf621-sim.mjs'), '--api-version', String(version),
    '--cert', certs().cert, '--tls-key', certs().key, '--port-file', portFile, '--broker-ca', certs().ca,
    ...(name === 'list' ? ['--no-filter'] : [])],
  { env: { ...process.env, SIM_PASSWORD: API_PASSWORD, SIM_LISTENER_PASSWORD: HUB_PASSWORD },
    stdio: ['ignore', openSync(path.join(s.dir, `tmf${name}.log`), 'a'), openSync(path.join(s.dir, `tmf${name}.log`), 'a')] });
  proc.logFile = path.join(s.dir, `tmf${name}.log`);
  procs.push(proc);
  const port = await eventually(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim(),
    20000, `the ${name} seller listening`);
  const url = `https://127.0.0.1:${port}`;
  return { url, version, control: async (method, p, body) => (await request(url, method, p, { body })).json };
}

before(async () => {
  s = await startStack({ chain, config: { KETEN_SECRET_TMF_PASSWORD: API_PASSWORD, KETEN_SECRET_TMF_HUB: HUB_PASSWORD,
    KETEN_POLL_TICK_MS: '200', KETEN_HUB_TICK_MS: '200', KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '1500',
    KETEN_SUPPLIER_TIMEOUT_MS: '2000', KETEN_BREAKER_OPEN_MS: '1000', KETEN_BREAKER_OPEN_MAX_MS: '2000' } });
  for (const v of [4, 5, 'list']) sellers[v] = await startSeller(v);
  const file = path.join(s.dir, 'chain-tmf.json');
  writeChain(file, chain(s.sims));
  const r = keten(['chain', 'import', file], s.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  // Keten registers its listener with each seller's hub by itself.
  for (const [v, key] of [[4, 'tmf4'], [5, 'tmf5']]) {
    const callback = `${s.url}/v1/inbound/${key}`;
    const id = await eventually(async () => psql(s.db,
      `SELECT hub_id FROM hub_subscriptions WHERE supplier_key = '${key}' AND wanted AND hub_id IS NOT NULL`),
    20000, `the listener of ${key} registered`);
    assert.deepEqual((await sellers[v].control('GET', '/_sim/hubs')).map((h) => [h.id, h.callback]), [[id, callback]]);
  }
});

const tmfEnv = () => ({ ...s.env, KETEN_SUPPLIER_CA: certs().ca, KETEN_SECRET_TMF_PASSWORD: API_PASSWORD });

after(async () => {
  for (const p of procs) {
    // a seller that died on its own says why
    if (p.exitCode !== null) process.stderr.write(readFileSync(p.logFile, 'utf8').slice(-4000));
    if (p.exitCode === null) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
  }
  await s.stop();
});

// Nothing Keten sent, nothing any simulator said broke the official document.
async function conforming() {
  for (const v of [4, 5, 'list']) {
    const bad = await sellers[v].control('GET', '/_sim/violations');
    assert.deepEqual(bad, [], `${v}: ${JSON.stringify(bad, null, 1)}`);
    const refused = (await sellers[v].control('GET', '/_sim/received')).filter((x) => x.problems?.length);
    assert.deepEqual(refused, [], `${v}: ${JSON.stringify(refused, null, 1)}`);
  }
}

const legOf = (ticket) => psql(s.db, `SELECT id FROM legs WHERE ticket_id = '${ticket}'`);
const legRow = async (leg) => {
  const [status, ext] = (await psql(s.db, `SELECT status, coalesce(external_id, '') FROM legs WHERE id = '${leg}'`)).split('|');
  return { status, ext };
};
const ticketsAt = (v) => sellers[v].control('GET', '/_sim/tickets');
const refOf = (v, t) => (v === 4 ? t.externalId : t.externalIdentifier?.find((x) => x.owner === 'Keten')?.id);
const mine = async (v, leg) => (await ticketsAt(v)).filter((t) => refOf(v, t) === leg);
const settled = (leg) => eventually(async () =>
  (await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${leg}' AND state <> 'done'`)) === '0',
30000, 'the leg\'s messages done');
const file = (key, type, summary) => s.api('POST', '/v1/tickets', { key: s.keys.acme,
  body: { service: s.services[`svc-${key}`], type, summary, description: 'No light on port 7 <since> 19:30 & more',
    impact: 2, urgency: 1 } });

// The seller's id of leg once Keten linked it (else what the seller saw last).
async function linked(v, leg, ms = 20000) {
  try {
    return await eventually(async () => (await legRow(leg)).ext, ms, 'the leg linked');
  } catch (e) {
    e.message += `; seller v${v} saw ${JSON.stringify((await sellers[v].control('GET', '/_sim/received')).slice(-2))}`;
    throw e;
  }
}

// A ticket of type at seller v through supplier key: {ticket, leg, tt}.
async function delivered(key, v, type, summary) {
  const r = await file(key, type, summary);
  assert.equal(r.status, 201, r.text);
  const leg = await legOf(r.json.id);
  const ext = await linked(v, leg);
  const [tt] = await mine(v, leg);
  assert.equal(tt.id, ext, 'the leg names the seller\'s ticket');
  return { ticket: r.json, leg, tt };
}

test('a create lands in its entry\'s ticketType with Keten\'s reference, v4 and v5; a type without an entry is refused', async () => {
  const a = await delivered('tmf4', 4, 'incident', 'Fibre cut in Utrecht');
  assert.equal(a.tt.ticketType, 'incident');
  assert.equal(a.tt.externalId, a.leg);
  assert.equal(a.tt.severity, 'Major');
  assert.equal(a.tt.priority, 'High');
  assert.equal(a.tt.name, 'Fibre cut in Utrecht');
  assert.equal(a.tt.description, 'No light on port 7 <since> 19:30 & more');
  assert.deepEqual(a.tt.relatedParty, [{ id: 'acme', name: 'Acme BV', role: 'customer', '@referredType': 'Organization' }]);
  assert.equal(a.tt['@type'], undefined);

  const b = await delivered('tmf5', 5, 'request', 'New line for Delft');
  assert.equal(b.tt.ticketType, 'ServiceRequest');
  assert.equal(b.tt['@type'], 'TroubleTicket');
  assert.deepEqual(b.tt.externalIdentifier, [{ '@type': 'ExternalIdentifier', id: b.leg, owner: 'Keten',
    externalIdentifierType: 'leg' }]);
  assert.equal(b.tt.relatedParty[0]['@type'], 'RelatedPartyRefOrPartyRoleRef');
  assert.equal(b.tt.relatedParty[0].partyOrPartyRole['@type'], 'PartyRef');

  const r = await file('tmf5', 'change', 'Replace the core switch');
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'type_not_accepted');
  await conforming();
});

for (const v of [4, 5]) {
  const key = `tmf${v}`;
  test(`v${v}: the seller's status changes and notes come back as events at the listener path (${v === 4 ? 201 : 204}); Keten's reopen and close reach the ticket`, async () => {
    const t = await delivered(key, v, 'incident', `Packet loss (v${v})`);
    await settled(t.leg);
    const change = (body) => sellers[v].control('POST', '/_sim/change', { ticket: t.tt.id, ...body });

    await change({ status: 'inProgress' });
    await eventually(async () => (await legRow(t.leg)).status === 'in_progress', 10000, 'the leg in progress');
    const evs = (await sellers[v].control('GET', '/_sim/events')).filter((e) => e.ticket === t.tt.id);
    assert.ok(evs.some((e) => e.eventType === 'TroubleTicketStatusChangeEvent'), JSON.stringify(evs));
    assert.ok(evs.every((e) => e.status === (v === 4 ? 201 : 204)), JSON.stringify(evs));

    const said = `Engineer on site at 14:00 <ETA> & v${v}`;
    await change({ note: { text: said, author: 'NOC Jan' } });
    await eventually(async () => (await view(s, t.ticket, 'acme')).timeline.some((e) => e.text === said),
      10000, 'the customer reads the seller\'s note');

    // A customer's comment is a note once; the event that echoes it back
    // (the seller reports every note) adds nothing to the timeline.
    const asked = `Is Delft affected too? (v${v})`;
    let r = await s.api('POST', `/v1/tickets/${t.ticket.id}/comments`, { key: s.keys.acme, body: { text: asked, visibility: 'customer' } });
    assert.equal(r.status, 201, r.text);
    await settled(t.leg);
    let [tt] = await mine(v, t.leg);
    const ours = tt.note.filter((n) => n.text.startsWith(asked));
    assert.equal(ours.length, 1, JSON.stringify(tt.note));
    assert.equal(ours[0].author, 'Keten');
    assert.match(ours[0].text, /\n\n\[keten:event:\d+\]$/);
    if (v === 5) assert.equal(ours[0]['@type'], 'Note');
    await change({ note: { text: 'ack' } }); // one more event carrying every note
    await eventually(async () => (await view(s, t.ticket, 'integrator')).timeline.some((e) => (e.text ?? e.data?.text) === 'ack'),
      10000, 'the next note');
    const seen = (await view(s, t.ticket, 'integrator')).timeline.filter((e) => (e.text ?? e.data?.text ?? '').startsWith(asked));
    assert.equal(seen.length, 1, `the comment once: ${JSON.stringify(seen)}`);

    // A work note: the mapping sends none (work_notes false).
    const internal = `internal only v${v}`;
    r = await s.api('POST', `/v1/tickets/${t.ticket.id}/comments`, { key: s.keys.integrator,
      body: { text: internal, visibility: 'supplier', leg: t.leg } });
    assert.equal(r.status, 201, r.text);
    await settled(t.leg);
    [tt] = await mine(v, t.leg);
    assert.ok(!tt.note.some((n) => n.text.startsWith(internal)), 'no work note at the seller');

    await change({ status: 'resolved', reason: 'Replaced the SFP' });
    await eventually(async () => (await legRow(t.leg)).status === 'resolved', 10000, 'the leg resolved');
    const reason = `Still no light (v${v})`;
    r = await s.api('POST', `/v1/tickets/${t.ticket.id}/reopen`, { key: s.keys.acme, body: { reason } });
    assert.equal(r.status, 200, r.text);
    await settled(t.leg);
    [tt] = await mine(v, t.leg);
    assert.equal(tt.status, 'inProgress');
    assert.equal(tt.statusChangeReason, reason);
    await change({ status: 'resolved', reason: 'Really fixed' });
    await eventually(async () => (await legRow(t.leg)).status === 'resolved', 10000, 'resolved again');
    r = await s.api('POST', `/v1/tickets/${t.ticket.id}/close`, { key: s.keys.acme });
    assert.equal(r.status, 200, r.text);
    await settled(t.leg);
    [tt] = await mine(v, t.leg);
    assert.equal(tt.status, 'closed');
    const history = v === 4 ? tt.statusChange : tt.statusChangeHistory;
    assert.deepEqual(history.map((h) => h.status), ['acknowledged', 'inProgress', 'resolved', 'inProgress', 'resolved', 'closed']);
    await conforming();
  });
}

test('a seller\'s rejection rejects the leg with its reason; an event with a wrong password is refused', async () => {
  const t = await delivered('tmf5', 5, 'incident', 'Not our network');
  await settled(t.leg);
  await sellers[5].control('POST', '/_sim/change', { ticket: t.tt.id, status: 'rejected', reason: 'not our line' });
  await eventually(async () => await psql(s.db, `SELECT ended FROM legs WHERE id = '${t.leg}'`) === 'rejected',
    10000, 'the leg rejected');
  const why = (await view(s, t.ticket, 'integrator')).timeline.find((e) => e.kind === 'rejected');
  assert.equal(why?.data?.reason, 'not our line', JSON.stringify(why));
  const bad = await request(s.url, 'POST', '/v1/inbound/tmf5/listener/troubleTicketStatusChangeEvent', {
    headers: { authorization: `Basic ${Buffer.from('tmf-hub:wrong').toString('base64')}` },
    body: { eventType: 'TroubleTicketStatusChangeEvent', event: { troubleTicket: { id: t.tt.id, status: 'closed' } } } });
  assert.equal(bad.status, 401, bad.text);
  const garbage = await request(s.url, 'POST', '/v1/inbound/tmf5/listener/troubleTicketStatusChangeEvent', {
    headers: { authorization: `Basic ${Buffer.from(`tmf-hub:${HUB_PASSWORD}`).toString('base64')}` },
    body: { eventType: 'ServiceOrderStateChangeEvent' } });
  assert.equal(garbage.status, 422, garbage.text);
  assert.equal(garbage.json.error.code, 'invalid_update');
});

test('polled: the seller\'s changes come back by lastUpdate.gt pages', async () => {
  const legs = [];
  for (const n of [1, 2, 3]) legs.push(await delivered('tmf5-polled', 5, 'incident', `Polled ${n}`));
  for (const t of legs) await sellers[5].control('POST', '/_sim/change', { ticket: t.tt.id, status: 'held', notify: false });
  for (const t of legs) {
    await eventually(async () => (await legRow(t.leg)).status === 'pending_supplier', 15000, `${t.tt.id} held`);
  }
  await sellers[5].control('POST', '/_sim/change', { ticket: legs[0].tt.id, notify: false,
    note: { text: 'polled note', author: 'NOC Piet' } });
  await eventually(async () => (await view(s, legs[0].ticket, 'acme')).timeline.some((e) => e.text === 'polled note'),
    15000, 'the polled note');
  const polls = (await sellers[5].control('GET', '/_sim/received')).filter((x) => x.method === 'GET' &&
    x.path.includes('lastUpdate.gt'));
  assert.ok(polls.length >= 1 && polls.every((x) => x.answered === 200 || x.answered === 206), JSON.stringify(polls.at(-1)));
  assert.ok(polls.every((x) => x.path.includes('sort=lastUpdate')));
  await conforming();
});

test('a create whose answer was lost is found by the lookup and never duplicated (v4 and v5)', async () => {
  for (const [key, v] of [['tmf4', 4], ['tmf5', 5]]) {
    await sellers[v].control('POST', '/_sim/mode', { mode: 'status', status: 503, apply: true, count: 1, method: 'POST' });
    const r = await file(key, 'incident', `Lost answer v${v}`);
    assert.equal(r.status, 201, r.text);
    const leg = await legOf(r.json.id);
    const ext = await linked(v, leg, 30000);
    await settled(leg);
    const found = await mine(v, leg);
    assert.equal(found.length, 1, `one ticket: ${JSON.stringify(found.map((t) => t.id))}`);
    assert.equal(found[0].id, ext);
    const param = v === 4 ? `externalId=${leg}` : `externalIdentifier.id=${leg}`;
    const lookups = (await sellers[v].control('GET', '/_sim/received')).filter((x) => x.method === 'GET' && x.path.endsWith(param));
    assert.ok(lookups.length >= 1, 'looked up before any re-create');
    await sellers[v].control('POST', '/_sim/mode', { mode: 'normal' });
  }
  await conforming();
});

test('a 429 with Retry-After is waited out, then the create lands once', async () => {
  await sellers[5].control('POST', '/_sim/mode', { mode: 'status', status: 429, retry_after: 1, count: 1, method: 'POST' });
  const r = await file('tmf5', 'incident', 'Rate limited');
  assert.equal(r.status, 201, r.text);
  const leg = await legOf(r.json.id);
  await linked(5, leg);
  const posts = (await sellers[5].control('GET', '/_sim/received')).filter((x) => x.method === 'POST' &&
    x.path.endsWith('/troubleTicket') && x.body.includes(leg));
  assert.deepEqual(posts.map((x) => x.answered), [429, 201]);
  assert.ok(posts[1].at - posts[0].at >= 900, `waited ${posts[1].at - posts[0].at} ms`);
  assert.equal((await mine(5, leg)).length, 1);
  await sellers[5].control('POST', '/_sim/mode', { mode: 'normal' });
  await conforming();
});

test('a seller that ignores lastUpdate.gt: polled by listing; `keten supplier check` finds a mapping that counts on the filter', async () => {
  const t = await delivered('tmf5-list', 'list', 'incident', 'Listed');
  await sellers.list.control('POST', '/_sim/change', { ticket: t.tt.id, status: 'inProgress', notify: false });
  await eventually(async () => (await legRow(t.leg)).status === 'in_progress', 15000, 'the listed status');
  const lists = (await sellers.list.control('GET', '/_sim/received')).filter((x) => x.method === 'GET' &&
    /\/troubleTicket\?(offset=\d+&)?limit=2$/.test(x.path));
  assert.ok(lists.length >= 1, 'polled by plain listing');

  let r = keten(['supplier', 'check', 'tmf5'], tmfEnv());
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^check 0: GET \S+lastUpdate\.gt=2999\S+: ok$/m);
  r = keten(['supplier', 'check', 'tmf5-probe'], tmfEnv());
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /\/poll_filter/);
  await conforming();
});

test('keten supplier subscribe and unsubscribe: the hub registration comes and goes', async () => {
  const callback = `${s.url}/v1/inbound/tmf5-list`;
  let r = keten(['supplier', 'subscribe', 'tmf5-list', '--callback', callback], tmfEnv());
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const id = /^subscribed: (\S+)$/m.exec(r.stdout)?.[1];
  assert.ok((await sellers.list.control('GET', '/_sim/hubs')).some((h) => h.id === id));
  r = keten(['supplier', 'unsubscribe', 'tmf5-list', id], tmfEnv());
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^unsubscribed: ${id}$`, 'm'));
  assert.ok(!(await sellers.list.control('GET', '/_sim/hubs')).some((h) => h.id === id));
  r = keten(['supplier', 'unsubscribe', 'tmf5-list', id], tmfEnv());
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /HTTP 404: Not found: no such hub/);
  r = keten(['supplier', 'subscribe', 'tmf5-list', '--callback', 'http://plain.example/x'], tmfEnv());
  assert.equal(r.code, 1, r.stdout + r.stderr);
  r = keten(['supplier', 'subscribe', 'tmf5-list'], tmfEnv());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const received = (await sellers.list.control('GET', '/_sim/received')).filter((x) => x.path.includes('/hub'));
  assert.deepEqual(received.map((x) => `${x.method} ${x.answered}`), ['POST 201', 'DELETE 204', 'DELETE 404']);
  await conforming();
});

test('the customer\'s cancel reaches the seller as status cancelled with its reason', async () => {
  const t = await delivered('tmf4', 4, 'incident', 'Filed by mistake');
  await settled(t.leg);
  const r = await s.api('POST', `/v1/tickets/${t.ticket.id}/cancel`, { key: s.keys.acme, body: { reason: 'by mistake' } });
  assert.equal(r.status, 200, r.text);
  await settled(t.leg);
  const [tt] = await mine(4, t.leg);
  assert.equal(tt.status, 'cancelled');
  assert.equal(tt.statusChangeReason, 'cancelled in Keten');
  await conforming();
});

test('a wrong tmf621 mapping is an import error at its paths, and nothing changes', async () => {
  const doc = chain(s.sims);
  const bad = doc.suppliers.find((x) => x.key === 'tmf5');
  bad.mapping = { ...bad.mapping, version: 6, entries: { outage: { ticketType: 'x' } }, colour: 'blue' };
  const file = path.join(s.dir, 'bad-chain.json');
  writeChain(file, doc);
  const before = await psql(s.db, "SELECT mapping::text FROM suppliers WHERE key = 'tmf5'");
  const r = keten(['chain', 'import', file], s.env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const at = `/suppliers/${doc.suppliers.indexOf(bad)}/mapping`;
  for (const p of ['/colour', '/version', '/entries/outage']) assert.ok(r.stderr.includes(`${at}${p}: `), `${p} in:\n${r.stderr}`);
  assert.equal(await psql(s.db, "SELECT mapping::text FROM suppliers WHERE key = 'tmf5'"), before);
});

test('the mapping schema agrees with the adapter on every mapping case', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schemas/adapters/tmf621.json'))));
  const cases = JSON.parse(readFileSync(path.join(ROOT, 'tests/unit/data/tmf621/mappings.json')));
  for (const c of cases) {
    if (c.mapping === null) continue;
    assert.equal(validate(c.mapping), c.want.length === 0, `${c.name}: ${JSON.stringify(validate.errors)}`);
  }
  for (const v of [4, 5]) assert.equal(validate(mappingOf(v)), true, JSON.stringify(validate.errors));
});

// kill -9 of the delivering node after the seller took a write and before
// its answer: the next node first reads (the lookup; the notes for the
// marker) and the seller holds one ticket, one note. A stack of its own
// whose API node does not deliver; its workers do, one after another.
test('kill -9 between a write and its answer: a create and a note are not doubled', async () => {
  const fast = { KETEN_LEASE_MS: '3000', KETEN_SUPPLIER_TIMEOUT_MS: '2500', KETEN_DISPATCH_INTERVAL_MS: '200',
    KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '500', KETEN_SECRET_TMF_PASSWORD: API_PASSWORD, KETEN_SECRET_TMF_HUB: HUB_PASSWORD };
  const k = await startStack({ chain, config: { ...fast, KETEN_DISPATCH: '0' } });
  const worker = (name) => startNode(k, name, { ...fast, KETEN_DISPATCH: '1' });
  const file5 = (summary) => k.api('POST', '/v1/tickets', { key: k.keys.acme, body: {
    service: k.services['svc-tmf5'], type: 'incident', summary, description: 'kill -9', impact: 2, urgency: 2 } });
  const hang = () => sellers[5].control('POST', '/_sim/mode', { mode: 'hang', apply: true, count: 1, method: 'POST' });
  let node = await worker('worker-1');
  try {
    await hang();
    let r = await file5('killed create');
    assert.equal(r.status, 201, r.text);
    const leg = await psql(k.db, `SELECT id FROM legs WHERE ticket_id = '${r.json.id}'`);
    await eventually(async () => (await mine(5, leg)).length === 1, 15000, 'the seller made the ticket');
    await node.kill();
    node = await worker('worker-2');
    const ext = await eventually(async () => await psql(k.db, `SELECT coalesce(external_id, '') FROM legs WHERE id = '${leg}'`),
      30000, 'the create settled on the next node');
    let tts = await mine(5, leg);
    assert.equal(tts.length, 1, 'one ticket');
    assert.equal(tts[0].id, ext);
    assert.ok((await sellers[5].control('GET', '/_sim/received')).some((x) => x.method === 'GET' &&
      x.path.endsWith(`externalIdentifier.id=${leg}`)), 'the next node looked the create up');

    await sellers[5].control('POST', '/_sim/mode', { mode: 'hang', apply: true, count: 1, method: 'PATCH' });
    r = await k.api('POST', `/v1/tickets/${r.json.id}/comments`, { key: k.keys.acme, body: { text: 'Killed?' } });
    assert.equal(r.status, 201, r.text);
    await eventually(async () => (await mine(5, leg))[0].note.some((n) => n.text.startsWith('Killed?')), 15000,
      'the note landed at the seller');
    await node.kill();
    node = await worker('worker-3');
    await eventually(async () => await psql(k.db, `SELECT state FROM outbox WHERE leg_id = '${leg}'
      AND operation = 'comment'`) === 'done', 30000, 'the comment settled on the next node');
    tts = await mine(5, leg);
    assert.equal(tts[0].note.filter((n) => n.text.startsWith('Killed?')).length, 1, JSON.stringify(tts[0].note));
    assert.ok((await sellers[5].control('GET', '/_sim/received')).some((x) => x.method === 'GET' &&
      x.path.endsWith(`/troubleTicket/${ext}?fields=note`)), 'the next node read the notes first');
  } finally {
    await sellers[5].control('POST', '/_sim/mode', { mode: 'normal' });
    await node.kill();
    await k.stop();
  }
  await conforming();
});

// Last: these requests break the document on purpose (conforming() would list them).
test('the simulators hold Keten to the document: a v5 object without @type, a v4 body of another type are refused', async () => {
  const auth = { authorization: `Basic ${Buffer.from(`keten:${API_PASSWORD}`).toString('base64')}` };
  const body = { description: 'x', severity: 'Minor', ticketType: 'Incident' };
  let r = await request(sellers[5].url, 'POST', '/tmf-api/troubleTicket/v5/troubleTicket', { headers: auth, body });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json['@type'], 'Error');
  assert.match(r.json.message, /@type/);
  r = await request(sellers[5].url, 'POST', '/tmf-api/troubleTicket/v5/troubleTicket', { headers: auth,
    body: { ...body, '@type': 'TroubleTicket', note: [{ text: 'no type' }] } });
  assert.equal(r.status, 400, r.text);
  r = await request(sellers[4].url, 'PATCH', '/tmf-api/troubleTicket/v4/troubleTicket/TT-1001', {
    headers: { ...auth, 'content-type': 'application/merge-patch+json' }, body: { status: 'closed' } });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.message, /content type/);
  r = await request(sellers[4].url, 'POST', '/tmf-api/troubleTicket/v4/troubleTicket', {
    headers: { ...auth, 'content-type': 'application/json;charset=utf-8' }, body: { description: 'x' } });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.message, /severity|ticketType/);
});
