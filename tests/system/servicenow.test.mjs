// servicenow.test.mjs - the `servicenow` adapter against servicenow-sim,
// through the real broker: each ticket type lands in its own entry
// (incident, change_request, problem, a catalog order) with the right
// fields; changes made at ServiceNow (a state, a public comment, a work
// note, a resolve) come back by push with the right visibility; a comment
// for ServiceNow is written once; a create whose answer never came is
// found by its correlation id, not made twice, also across a kill -9 of
// the delivering node; a 429 is waited out; a type without an entry is
// refused at routing; a push needs the entry's inbound secret; `keten
// supplier check` finds values the instance does not know. The mapping
// cases of the unit tests also go through the published schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { startNode, certs, keten, eventually, psql, request, writeChain } from './lib/harness.mjs';
import { ITEM, PASSWORD, TOKEN, mapping, chainWith, startSnow, stopSnow, snowTickets } from './lib/servicenow.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

let s;
let sn; // {url, proc, control(method, path, body)}

before(async () => { ({ s, sn } = await startSnow()); });
after(async () => { await stopSnow(s, sn); });

const { fileTicket, legOf, deliveredLeg, integratorView, customerView, legStatus } = snowTickets(() => s);
const received = () => sn.control('GET', '/_sim/received');

// Runs wait; when it fails, the simulator's push log tells why.
async function pushed(wait) {
  try {
    return await wait();
  } catch (e) {
    e.message += `\nservicenow-sim pushes:\n${sn.log().split('\n').filter((l) => l.includes('"push"')).slice(-5).join('\n')}`;
    throw e;
  }
}

test('each ticket type lands in its own entry with the right fields', async () => {
  const tables = { incident: 'incident', change: 'change_request', problem: 'problem', request: 'sc_request' };
  for (const [type, table] of Object.entries(tables)) {
    const t = await fileTicket(type, `${type}: VPN down in Utrecht — café`);
    const leg = await deliveredLeg(t);
    const recs = await sn.control('GET', `/_sim/records?table=${table}`);
    const rec = await eventually(async () => {
      const r = (await sn.control('GET', `/_sim/records?table=${table}`)).find((x) => x.sys_id === leg.external);
      return r && r.correlation_id === leg.id && r;
    }, 10000, `the ${table} record carries our reference`);
    assert.ok(recs.length >= 1);
    assert.equal(rec.correlation_display, 'Keten');
    assert.equal(rec.short_description, `${type}: VPN down in Utrecht — café`);
    assert.equal(rec.sys_created_by, 'svc.keten', 'made by the integration user, with its basic auth');
    const mine = (await received()).filter((x) => x.method === 'POST' &&
      (x.json?.correlation_id === leg.id || x.path.endsWith('/order_now')));
    assert.ok(mine.every((x) => x.headers.accept === 'application/json' &&
      x.headers['content-type'] === 'application/json'));
    if (type === 'request') {
      assert.equal(rec.description, `${type} from Keten`);
      continue;
    }
    assert.equal(rec.impact, '1');
    assert.equal(rec.urgency, '2');
    assert.equal(rec.priority, '2', 'ServiceNow computed the priority');
    const create = mine.find((x) => x.path === `/api/now/table/${table}`);
    assert.ok(create, `POST /api/now/table/${table}`);
    assert.equal(create.json.priority, undefined, 'priority is never sent');
    if (type === 'incident') assert.equal(rec.caller_id, '5137153cc611227c000bbd1bd8cd2005');
  }
});

test('a state, a public comment and a work note made at ServiceNow come back by push', async () => {
  const t = await fileTicket('incident', 'printer on fire');
  const leg = await deliveredLeg(t);
  let r = await sn.control('POST', '/_sim/change', { sys_id: leg.external, fields: { state: '2' } });
  assert.equal(r.state, '2');
  await pushed(() => eventually(async () => await legStatus(t) === 'in_progress', 15000, 'the leg in progress'));

  await sn.control('POST', '/_sim/change', { sys_id: leg.external, comment: 'Engineer on the way' });
  await sn.control('POST', '/_sim/change', { sys_id: leg.external, work_note: 'toner vendor ticket 4711' });
  await eventually(async () => {
    const tl = (await integratorView(t)).timeline;
    return tl.some((e) => e.data?.text === 'toner vendor ticket 4711') &&
      tl.some((e) => e.data?.text === 'Engineer on the way');
  }, 15000, 'both journal entries applied');
  const seen = JSON.stringify((await customerView(t)).timeline);
  assert.ok(seen.includes('Engineer on the way'), 'the customer sees the public comment');
  assert.ok(!seen.includes('toner vendor ticket 4711'), 'the work note stays internal');

  r = await request(sn.url, 'POST', '/_sim/change', { body: { sys_id: leg.external, fields: { state: '6' } } });
  assert.equal(r.status, 403, 'ServiceNow refuses a resolve without close code');
  assert.match(r.json.error.detail, /Resolution code/);
  await sn.control('POST', '/_sim/change', { sys_id: leg.external,
    fields: { state: '6', close_code: 'Solved (Permanently)', close_notes: 'new printer' } });
  await eventually(async () => await legStatus(t) === 'resolved', 15000, 'the leg resolved');
});

test('a customer comment is written once, as a public comment with its marker', async () => {
  const t = await fileTicket('incident', 'wifi slow');
  const leg = await deliveredLeg(t);
  const c = await s.api('POST', `/v1/tickets/${t}/comments`, { key: s.keys.acme, body: { text: 'Also in Delft' } });
  assert.equal(c.status, 201, c.text);
  const entry = await eventually(async () => (await sn.control('GET', '/_sim/journal'))
    .find((j) => j.element_id === leg.external && j.value.startsWith('Also in Delft')), 15000, 'the comment written');
  assert.equal(entry.element, 'comments');
  assert.match(entry.value, /\n\n\[keten:event:\d+\]$/);
  assert.equal(entry.sys_created_by, 'svc.keten');
  const patches = (await received()).filter((x) => x.method === 'PATCH' && x.path.endsWith(leg.external) &&
    x.json?.comments);
  assert.equal(patches.length, 1);
});

test('a comment whose answer never came is found by its marker, not posted twice', async () => {
  const t = await fileTicket('incident', 'hung comment');
  const leg = await deliveredLeg(t);
  await sn.control('POST', '/_sim/mode', { mode: 'hang', apply: true, count: 1 });
  const c = await s.api('POST', `/v1/tickets/${t}/comments`, { key: s.keys.acme, body: { text: 'Still down?' } });
  assert.equal(c.status, 201, c.text);
  await eventually(async () => await psql(s.db, `SELECT state FROM outbox WHERE leg_id = '${leg.id}'
    AND operation = 'comment'`) === 'done', 30000, 'the comment settled');
  const entries = (await sn.control('GET', '/_sim/journal')).filter((j) => j.element_id === leg.external);
  assert.equal(entries.length, 1, 'one comment at ServiceNow');
  const calls = (await received()).filter((x) => x.path.endsWith(leg.external) || x.query?.sysparm_query?.includes(leg.external));
  const check = calls.find((x) => x.path === '/api/now/v2/table/sys_journal_field');
  assert.ok(check, 'the retry looked for its marker first');
  assert.match(check.query.sysparm_query, /\^valueLIKE\[keten:event:\d+\]$/);
  assert.equal(calls.filter((x) => x.method === 'PATCH' && x.json?.comments).length, 1, 'written once');
});

test('a create whose answer never came is found by its correlation id, not made twice', async () => {
  await sn.control('POST', '/_sim/mode', { mode: 'hang', apply: true, count: 1 });
  const t = await fileTicket('incident', 'hung create');
  const leg = await deliveredLeg(t);
  const mine = (await sn.control('GET', '/_sim/records?table=incident')).filter((x) => x.correlation_id === leg.id);
  assert.equal(mine.length, 1, 'one incident');
  assert.equal(mine[0].sys_id, leg.external);
  const lookup = (await received()).find((x) => x.method === 'GET' && x.path === '/api/now/v2/table/incident' &&
    x.query.sysparm_query === `correlation_id=${leg.id}`);
  assert.ok(lookup, 'looked up by correlation_id');
});

test('a 429 with Retry-After is waited out', async () => {
  await sn.control('POST', '/_sim/ratelimit', { count: 1, retry_after: 1 });
  const t = await fileTicket('incident', 'rate limited');
  const leg = await deliveredLeg(t);
  const calls = (await received()).filter((x) => x.json?.correlation_id === leg.id);
  assert.ok(calls.length >= 2);
  assert.equal(calls[0].answered, 429);
  assert.ok(calls[1].at - calls[0].at >= 900, `waited ${calls[1].at - calls[0].at} ms`);
});

// kill -9 of the node that delivers, each time after ServiceNow took the
// write and before its answer came: the next node's retry reads first
// (the journal for the comment's marker, correlation_id for the create)
// and writes nothing twice. The stack's own node serves the API only.
test('kill -9 between a write and its answer: a comment and a create are not doubled', async () => {
  const fast = { KETEN_LEASE_MS: '3000', KETEN_SUPPLIER_TIMEOUT_MS: '2500', KETEN_DISPATCH_INTERVAL_MS: '200',
    KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '500', KETEN_SUPPLIER_SEARCH_LAG_MS: '0' };
  const k = await startSnow({ ...fast, KETEN_DISPATCH: '0' });
  const worker = (name) => startNode(k.s, name, { ...fast, KETEN_SECRET_SNOW: PASSWORD,
    KETEN_SECRET_INBOUND_SNOW: TOKEN, KETEN_DISPATCH: '1' });
  let node = await worker('worker-1');
  try {
    const api = (m, p, o) => k.s.api(m, p, o);
    const post = await api('POST', '/v1/tickets', { key: k.s.keys.acme, body: {
      service: k.s.services['acme-sn'], type: 'incident', summary: 'killed comment', description: 'kill -9', impact: 2, urgency: 2 } });
    assert.equal(post.status, 201, post.text);
    const t = post.json.id;
    const leg = await eventually(async () => {
      const [id, ext] = (await psql(k.s.db, `SELECT id, coalesce(external_id, '') FROM legs WHERE ticket_id = '${t}'`)).split('|');
      return ext && { id, external: ext };
    }, 20000, 'the create delivered');

    await k.sn.control('POST', '/_sim/mode', { mode: 'hang', apply: true, count: 1 });
    const c = await api('POST', `/v1/tickets/${t}/comments`, { key: k.s.keys.acme, body: { text: 'Killed?' } });
    assert.equal(c.status, 201, c.text);
    await eventually(async () => (await k.sn.control('GET', '/_sim/journal')).some((j) => j.element_id === leg.external),
      15000, 'the comment landed at ServiceNow');
    await node.kill();
    node = await worker('worker-2');
    await eventually(async () => await psql(k.s.db, `SELECT state FROM outbox WHERE leg_id = '${leg.id}'
      AND operation = 'comment'`) === 'done', 30000, 'the comment settled on the next node');
    assert.equal((await k.sn.control('GET', '/_sim/journal')).filter((j) => j.element_id === leg.external).length, 1);
    const calls = await k.sn.control('GET', '/_sim/received');
    assert.ok(calls.some((x) => x.path === '/api/now/v2/table/sys_journal_field' &&
      x.query.sysparm_query.startsWith(`element_id=${leg.external}^`)), 'the next node looked for the marker');

    await k.sn.control('POST', '/_sim/mode', { mode: 'hang', apply: true, count: 1 });
    const post2 = await api('POST', '/v1/tickets', { key: k.s.keys.acme, body: {
      service: k.s.services['acme-sn'], type: 'incident', summary: 'killed create', description: 'kill -9', impact: 2, urgency: 2 } });
    assert.equal(post2.status, 201, post2.text);
    const leg2 = await psql(k.s.db, `SELECT id FROM legs WHERE ticket_id = '${post2.json.id}'`);
    await eventually(async () => (await k.sn.control('GET', '/_sim/records?table=incident'))
      .some((r) => r.correlation_id === leg2), 15000, 'the create landed at ServiceNow');
    await node.kill();
    node = await worker('worker-3');
    const ext = await eventually(async () => await psql(k.s.db, `SELECT external_id FROM legs WHERE id = '${leg2}'`),
      30000, 'the create settled on the next node');
    const mine = (await k.sn.control('GET', '/_sim/records?table=incident')).filter((r) => r.correlation_id === leg2);
    assert.equal(mine.length, 1, 'one incident');
    assert.equal(mine[0].sys_id, ext);
    assert.ok((await k.sn.control('GET', '/_sim/received')).some((x) => x.method === 'GET' &&
      x.query.sysparm_query === `correlation_id=${leg2}`), 'the next node looked the create up');
  } finally {
    await node.kill();
    await stopSnow(k.s, k.sn);
  }
});

test('a bad mapping is an import error that names its place', () => {
  const doc = chainWith(sn.url)(s.sims);
  doc.suppliers.find((x) => x.key === 'snow').mapping = { entries: { incident: { table: 'incident' } } };
  const file = path.join(s.dir, 'chain-snow-bad.json');
  writeChain(file, doc);
  const r = keten(['chain', 'import', file], s.env);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr + r.stdout, /integration_user/);
  assert.match(r.stderr + r.stdout, /close_code/);
});

test('a type the mapping has no entry for is refused when routed, not sent elsewhere', async () => {
  const { problem, ...entries } = mapping.entries;
  assert.ok(problem);
  const doc = chainWith(sn.url)(s.sims);
  doc.suppliers.find((x) => x.key === 'snow').mapping = { ...mapping, entries };
  const file = path.join(s.dir, 'chain-snow-no-problem.json');
  writeChain(file, doc);
  let r = keten(['chain', 'import', file], s.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  try {
    const before = (await received()).length;
    const t = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-sn'], type: 'problem', summary: 'no entry', description: 'x', impact: 2, urgency: 2 } });
    assert.equal(t.status, 422, t.text);
    assert.equal(t.json.error.code, 'type_not_accepted', t.text);
    assert.equal((await received()).length, before, 'nothing sent to ServiceNow');
  } finally {
    writeChain(file, chainWith(sn.url)(s.sims));
    r = keten(['chain', 'import', file], s.env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  }
});

test('keten supplier check tries the credentials and every value of the mapping live', () => {
  const env = { ...s.env, KETEN_SECRET_SNOW: PASSWORD, KETEN_SUPPLIER_CA: certs().ca };
  let r = keten(['supplier', 'check', 'snow'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // two close codes, three state lists, one catalog item (in the stored mapping's order)
  assert.equal(r.stdout.match(/^check \d: GET .*: ok$/gm).length, 6, r.stdout);
  assert.match(r.stdout, /\/sys_choice\?sysparm_query=name%3Dincident%5EORname%3Dtask%5Eelement%3Dclose_code.*: ok/);
  assert.match(r.stdout, /\/sc_cat_item\?sysparm_query=sys_id%3D060f3afa3731300054b6a3549dbe5d3e.*: ok/);

  r = keten(['supplier', 'check', 'snow'], { ...env, KETEN_SECRET_SNOW: 'wrong' });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout + r.stderr, /HTTP 401/);

  // one value the instance does not know at a time (the command stops at the first failed check)
  const file = path.join(s.dir, 'chain-snow-values.json');
  const withMapping = (m) => {
    const doc = chainWith(sn.url)(s.sims);
    doc.suppliers.find((x) => x.key === 'snow').mapping = m;
    writeChain(file, doc);
    assert.equal(keten(['chain', 'import', file], s.env).code, 0, 'the shape is right');
  };
  try {
    for (const [spoil, where] of [
      [(m) => { m.entries.incident.close_code = 'Fixed'; }, /\/entries\/incident\/close_code: ServiceNow has no close_code "Fixed"/],
      [(m) => { m.entries.problem.status_out.resolved = '105'; }, /\/entries\/problem\/status_out\/resolved: ServiceNow has no state "105"/],
    ]) {
      const bad = structuredClone(mapping);
      spoil(bad);
      withMapping(bad);
      r = keten(['supplier', 'check', 'snow'], env);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout + r.stderr, where);
    }
  } finally {
    withMapping(mapping);
  }
});

test('a push is checked with the inbound secret of the chain entry, not the supplier\'s own', async () => {
  const t = await fileTicket('incident', 'separate inbound secret');
  const leg = await deliveredLeg(t);
  const body = { feed: 'records', result: [{ sys_id: leg.external, sys_class_name: 'incident', state: '2',
    correlation_id: leg.id, sys_updated_on: '2026-01-01 00:00:00', sys_updated_by: 'beth.anglin', sys_mod_count: '9' }] };
  for (const token of [PASSWORD, null, `${TOKEN}x`]) {
    const bad = await sn.control('POST', '/_sim/send', { body, token });
    assert.equal(bad.status, 401, `token ${token}`);
  }
  const good = await sn.control('POST', '/_sim/send', { body, token: TOKEN });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.equal(good.body.result, 'applied');
  const again = await sn.control('POST', '/_sim/send', { body, token: TOKEN });
  assert.equal(again.body.result, 'duplicate', 'one delivery id per record version');
  assert.equal(await legStatus(t), 'in_progress');

  // Keten's own write pushed back (a business rule without the
  // integration-user condition): nothing for Keten, and no error.
  const echo = { feed: 'records', result: [{ ...body.result[0], state: '6', sys_mod_count: '10',
    sys_updated_by: 'svc.keten' }] };
  const ignored = await sn.control('POST', '/_sim/send', { body: echo, token: TOKEN });
  assert.equal(ignored.status, 200, JSON.stringify(ignored.body));
  assert.equal(ignored.body.result, 'ignored');
  assert.equal(await legStatus(t), 'in_progress');
});

test('a journal entry older than a status read before it still adds its comment', async () => {
  const t = await fileTicket('incident', 'feeds read apart');
  const leg = await deliveredLeg(t);
  // The record's state at 10:05 arrives first; the comment written at
  // 10:00 comes after it, as when the records feed is read before the
  // journal feed. The comment is a fact, not a state: it is added, at its
  // own time, and the leg's status stays.
  const record = { feed: 'records', result: [{ sys_id: leg.external, sys_class_name: 'incident', state: '2',
    correlation_id: leg.id, sys_updated_on: '2026-02-01 10:05:00', sys_updated_by: 'beth.anglin',
    sys_mod_count: '3' }] };
  const journal = { feed: 'journal', result: [{ sys_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    element: 'comments', element_id: leg.external, name: 'incident', value: 'Parts ordered',
    sys_created_on: '2026-02-01 10:00:00', sys_created_by: 'beth.anglin' }] };
  assert.equal((await sn.control('POST', '/_sim/send', { body: record, token: TOKEN })).body.result, 'applied');
  const r = await sn.control('POST', '/_sim/send', { body: journal, token: TOKEN });
  assert.equal(r.body.result, 'applied', JSON.stringify(r));
  const view = (await s.api('GET', `/v1/tickets/${t}`, { key: s.keys.acme })).json;
  const c = view.timeline.find((e) => e.text === 'Parts ordered');
  assert.ok(c, 'the customer sees the comment');
  assert.equal(c.occurred_at, '2026-02-01T10:00:00Z');
  assert.equal(await legStatus(t), 'in_progress');
  // A status older than the last one applied is still stale.
  const old = { feed: 'records', result: [{ ...record.result[0], state: '1', sys_mod_count: '2',
    sys_updated_on: '2026-02-01 10:01:00' }] };
  assert.equal((await sn.control('POST', '/_sim/send', { body: old, token: TOKEN })).body.result, 'stale');
  assert.equal(await legStatus(t), 'in_progress');
});

test('the mapping schema agrees with the adapter on every mapping case', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schemas/adapters/servicenow.json'))));
  const cases = JSON.parse(readFileSync(path.join(ROOT, 'tests/unit/data/servicenow/mapping_cases.json')));
  for (const c of cases) {
    assert.equal(validate(c.mapping), c.paths.length === 0, `${c.name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate(mapping), true, JSON.stringify(validate.errors));
});
