// skeleton.test.mjs - one ticket travels customer -> chain -> suppliers ->
// back, through the real binary, PostgreSQL and two signed-webhook
// simulators: intake, fan-out, what each supplier receives, inbound
// updates, the consolidated status, and who may see what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });

const incident = (extra = {}) => ticketBody(s, { summary: 'VPN down in Utrecht',
  description: 'Nobody on site can reach the VPN since 09:00.', urgency: 1, ...extra });

async function creates(sim) {
  return (await sim.received()).filter((r) => r.json?.type === 'leg.create');
}

test('health endpoints answer without a key', async () => {
  const h = await s.api('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
  const r = await s.api('GET', '/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ready');
});

test('a missing, malformed or unknown key is 401 with a JSON error', async () => {
  for (const key of [undefined, 'kt_doesnotexistdoesnotexistdoesnotexist0000000', 'bad key!']) {
    const r = await s.api('GET', '/v1/tickets', { key });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'unauthorized');
    assert.ok(r.json.error.message);
  }
});

test('a fan-out incident reaches both suppliers, each seeing only its own leg', async () => {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: incident() });
  assert.equal(r.status, 201, r.text);
  const t = r.json;
  assert.match(t.number, /^INC-\d{6}$/);
  assert.equal(t.priority, 2);
  assert.equal(t.status, 'new');
  assert.equal(t.legs, undefined, 'a customer sees no legs');

  const rows = (await psql(s.db, `SELECT s.key || ':' || l.id FROM legs l JOIN suppliers s ON s.id = l.supplier_id WHERE l.ticket_id = '${t.id}' ORDER BY s.key`)).split('\n');
  assert.equal(rows.length, 2);
  const legOf = Object.fromEntries(rows.map((x) => x.split(':')));

  for (const [me, other] of [['netco', 'hostco'], ['hostco', 'netco']]) {
    const got = await eventually(async () => {
      const c = (await creates(s.sims[me])).filter((x) => x.json.data.id === t.id);
      return c.length ? c : null;
    }, 15000, `${me} to receive the create`);
    assert.equal(got.length, 1);
    const msg = got[0];
    assert.equal(msg.verified, true, 'signature verified by the standardwebhooks package');
    assert.equal(msg.headers['idempotency-key'], msg.headers['webhook-id']);
    assert.equal(msg.json.data.leg.id, legOf[me]);
    assert.ok(!msg.body.includes(legOf[other]), `${me} must not see ${other}'s leg id`);
    assert.ok(!msg.body.includes(other), `${me} must not see the name of ${other}`);
    assert.equal(msg.json.data.number, t.number);
    // The supplier's own view is the same projection.
    const v = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys[me] });
    assert.equal(v.status, 200);
    assert.equal(v.headers['cache-control'], 'no-store');
    assert.equal(v.json.leg.id, legOf[me]);
    assert.ok(!v.text.includes(legOf[other]));
  }
  // Delivered, then accepted with the supplier's ticket id.
  await eventually(async () => {
    const v = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator });
    return v.json.legs.every((l) => l.external_id && l.external_id.startsWith('SIM-')) && v.json;
  }, 15000, 'external ids');
  const v = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator });
  const kinds = v.json.timeline.map((e) => e.kind);
  for (const k of ['received', 'routed', 'delivered', 'accepted']) assert.ok(kinds.includes(k), k);
  for (const e of v.json.timeline) {
    assert.ok(e.occurred_at && e.recorded_at && e.actor && e.holder, JSON.stringify(e));
  }
});

test('supplier updates move the consolidated status; duplicates and bad deliveries change nothing', async () => {
  const t = (await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: incident() })).json;
  const legs = {};
  for (const me of ['netco', 'hostco']) {
    await eventually(async () => (await s.sims[me].tickets()).find((x) => x.keten_ticket === t.id), 15000, 'sim ticket');
    legs[me] = (await s.sims[me].tickets()).find((x) => x.keten_ticket === t.id).leg_id;
  }
  // The outcomes recorded too (delivered + accepted), so the event counts
  // below see only what the updates do.
  await eventually(async () => (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator }))
    .json.legs.every((l) => l.external_id), 15000, 'both deliveries recorded');
  const status = async () => (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.acme })).json.status;

  let r = await s.sims.netco.send({ leg_id: legs.netco, status: 'assigned' });
  assert.equal(r.status, 200, JSON.stringify(r));
  assert.equal(r.body.result, 'applied');
  assert.equal(await status(), 'assigned');

  r = await s.sims.netco.send({ leg_id: legs.netco, status: 'in_progress', comment: 'engineer on site' });
  assert.equal(r.status, 200);
  assert.equal(await status(), 'in_progress');
  // The public comment is relayed to hostco: its delivery recorded too, so
  // the counts below see only what the deliveries under test do.
  await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
    WHERE l.ticket_id = '${t.id}' AND o.state <> 'done'`) === '0' &&
    await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}' AND kind = 'delivered'`) === '3',
  15000, 'the relayed comment delivered and recorded');

  // The same delivery again: 200, nothing changes.
  const before = await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`);
  const dup = await s.sims.netco.send({ leg_id: legs.netco, status: 'resolved', webhook_id: r.webhook_id });
  assert.equal(dup.status, 200);
  assert.equal(dup.body.result, 'duplicate');
  assert.equal(await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`), before);
  assert.equal(await status(), 'in_progress');

  // Bad signature, stale timestamp, a supplier that does not exist: one
  // and the same 401 (nobody learns which supplier keys exist), the
  // reason in the broker's log; nothing changes.
  const refused = { error: { code: 'unauthenticated_delivery',
    message: "the delivery is not authenticated as a supplier's" } };
  r = await s.sims.netco.send({ leg_id: legs.netco, status: 'resolved', secret: 'whsec_' + Buffer.from('not the secret at all!!').toString('base64') });
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, refused);
  r = await s.sims.netco.send({ leg_id: legs.netco, status: 'resolved', timestamp: Math.floor(Date.now() / 1000) - 301 });
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, refused);
  const nobody = await s.api('POST', '/v1/inbound/no-such-supplier', { body: { leg_id: legs.netco, status: 'resolved' },
    headers: { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,AAAA' } });
  assert.equal(nobody.status, 401);
  assert.deepEqual(nobody.json, refused);
  await eventually(() => ['no signature in the webhook-signature header matches',
    'webhook-timestamp is more than 300 seconds away from now', 'no supplier \\"no-such-supplier\\"']
    .every((why) => s.log.text.includes(`inbound delivery refused: ${why}`)), 5000, 'the reasons logged');
  // A leg that is not this supplier's: 404, and the delivery id is not kept.
  r = await s.sims.netco.send({ leg_id: legs.hostco, status: 'resolved', webhook_id: 'msg_cross' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'unknown_leg');
  assert.equal(await psql(s.db, `SELECT count(*) FROM inbound_deliveries WHERE webhook_id = 'msg_cross'`), '0');
  assert.equal(await psql(s.db, `SELECT status FROM legs WHERE id = '${legs.hostco}'`), 'new');
  assert.equal(await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`), before);

  r = await s.sims.netco.send({ leg_id: legs.netco, status: 'resolved' });
  assert.equal(r.status, 200);
  assert.equal(await status(), 'in_progress', 'one leg resolved, one open');
  await s.sims.hostco.send({ leg_id: legs.hostco, status: 'in_progress' });
  r = await s.sims.hostco.send({ leg_id: legs.hostco, status: 'resolved', comment: { text: 'internal: rebooted the host', public: false } });
  assert.equal(r.status, 200);
  assert.equal(await status(), 'resolved');

  // The customer's timeline: its own events and public comments only.
  const c = (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.acme })).json;
  assert.ok(c.timeline.some((e) => e.kind === 'comment' && e.text === 'engineer on site'));
  assert.ok(!JSON.stringify(c).includes('internal: rebooted'), 'work notes never reach the customer');
  assert.ok(!JSON.stringify(c).includes('netco') && !JSON.stringify(c).includes('hostco'));
  for (const e of c.timeline) assert.ok(['received', 'status_changed', 'comment'].includes(e.kind), e.kind);
  // netco never sees hostco's note, nor hostco's leg.
  const n = (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.netco })).text;
  assert.ok(!n.includes('internal: rebooted'));
  assert.ok(!n.includes(legs.hostco));
  // The acknowledged event is separate from delivered and accepted.
  const kinds = (await psql(s.db, `SELECT string_agg(DISTINCT kind, ',') FROM events WHERE ticket_id = '${t.id}'`)).split(',');
  assert.ok(kinds.includes('acknowledged'));
});

test('tenants are isolated: another customer gets 404, a supplier sees only its legs', async () => {
  const t = (await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: incident() })).json;
  const g = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.globex });
  assert.equal(g.status, 404);
  assert.equal(g.json.error.code, 'not_found');
  const list = await s.api('GET', '/v1/tickets', { key: s.keys.globex });
  assert.ok(!list.json.items.some((x) => x.id === t.id));
  // globex's own ticket goes to hostco only: netco may not see it.
  const gt = await s.api('POST', '/v1/tickets', { key: s.keys.globex, body: {
    service: s.services['globex-hosting'], type: 'request', summary: 'more disk',
    description: '', impact: 3, urgency: 3 } });
  assert.equal(gt.status, 201, gt.text);
  assert.match(gt.json.number, /^REQ-\d{6}$/);
  assert.equal(gt.json.priority, 5);
  assert.equal((await s.api('GET', `/v1/tickets/${gt.json.id}`, { key: s.keys.netco })).status, 404);
  assert.equal((await s.api('GET', `/v1/tickets/${gt.json.id}`, { key: s.keys.hostco })).status, 200);
  // A customer cannot file on another customer's service.
  const x = await s.api('POST', '/v1/tickets', { key: s.keys.globex, body: incident() });
  assert.equal(x.status, 422);
  assert.equal(x.json.error.code, 'unknown_service');
  // A supplier key cannot file tickets.
  const y = await s.api('POST', '/v1/tickets', { key: s.keys.netco, body: incident() });
  assert.equal(y.status, 403);
});

test('bad input gets a clear JSON error and leaves no rows behind', async () => {
  const count = () => psql(s.db, 'SELECT (SELECT count(*) FROM tickets) || \'/\' || (SELECT count(*) FROM legs) || \'/\' || (SELECT count(*) FROM outbox) || \'/\' || (SELECT count(*) FROM events WHERE kind IN (\'received\', \'routed\', \'triage\'))');
  const before = await count();
  const cases = [
    [{ raw: '{"service": ', headers: {} }, 400, 'invalid_json'],
    [{ raw: '[1,2]' }, 400, 'invalid_json'],
    [{ body: incident(), headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    [{ body: incident({ service: '00000000-0000-0000-0000-000000000000' }) }, 422, 'unknown_service'],
    [{ body: incident({ service: 'not-a-uuid' }) }, 422, 'unknown_service'],
    [{ body: incident({ component: 'nope' }) }, 422, 'unknown_component'],
    [{ body: incident({ impact: 4, urgency: 0, type: 'outage', bogus: 1 }) }, 422, 'invalid_ticket'],
    [{ body: incident({ summary: 'x'.repeat(201) }) }, 422, 'invalid_ticket'],
    [{ raw: JSON.stringify(incident({ description: 'x'.repeat(1100000) })) }, 413, 'body_too_large'],
  ];
  for (const [opts, status, code] of cases) {
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, ...opts });
    assert.equal(r.status, status, `${code}: ${r.text.slice(0, 300)}`);
    assert.equal(r.json.error.code, code);
    assert.equal(typeof r.json.error.message, 'string');
  }
  const inv = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: incident({ impact: 4, bogus: 1 }) });
  const paths = inv.json.error.details.map((d) => d.path).sort();
  assert.deepEqual(paths, ['/bogus', '/impact']);
  // An answer's size does not follow its input's: 2,000 unknown members
  // with 300-byte names (~620 KB) draw at most 100 details, then one that
  // counts the rest, each path at most 256 bytes and "...".
  const many = incident();
  for (let i = 0; i < 2000; i++) many[`${'k'.repeat(295)}${String(i).padStart(5, '0')}`] = 1;
  const big = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: many });
  assert.equal(big.status, 422);
  const d = big.json.error.details;
  assert.equal(d.length, 101);
  assert.deepEqual(d[100], { path: '', message: '1900 more problem(s) not shown' });
  assert.ok(d.slice(0, 100).every((x) => x.path.length <= 256 + 3), 'paths bounded');
  assert.ok(big.text.length < 40000, `answer of ${big.text.length} bytes`);
  assert.equal(await count(), before);
  const nf = await s.api('GET', '/v1/nothing', { key: s.keys.acme });
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error.code, 'not_found');
  assert.equal(nf.headers['cache-control'], 'no-store', 'errors are not cached');
  assert.equal(big.headers['cache-control'], 'no-store');
  const bad = await s.api('GET', '/v1/tickets/not-a-ticket', { key: s.keys.acme });
  assert.equal(bad.status, 404);
});

test('lists are paginated with a cursor', async () => {
  const made = [];
  for (let i = 0; i < 5; i++) {
    made.push((await s.api('POST', '/v1/tickets', { key: s.keys.globex, body: {
      service: s.services['globex-hosting'], type: 'problem', summary: `p${i}`,
      description: '', impact: 1, urgency: 1 } })).json.id);
  }
  const seen = [];
  let cursor = null;
  do {
    const q = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
    const r = await s.api('GET', `/v1/tickets${q}`, { key: s.keys.globex });
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length <= 2);
    seen.push(...r.json.items.map((x) => x.id));
    cursor = r.json.next_cursor;
  } while (cursor);
  for (const id of made) assert.ok(seen.includes(id));
  assert.equal(new Set(seen).size, seen.length, 'no ticket twice');
  const bad = await s.api('GET', '/v1/tickets?cursor=garbage', { key: s.keys.globex });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_cursor');
  const lim = await s.api('GET', '/v1/tickets?limit=0', { key: s.keys.globex });
  assert.equal(lim.status, 400);
  // A query string that cannot be read is refused, not read as none.
  for (const q of ['?limit=2&nonsense', '?=2', '?limit=2&&cursor']) {
    const bq = await s.api('GET', `/v1/tickets${q}`, { key: s.keys.globex });
    assert.equal(bq.status, 400, q);
    assert.equal(bq.json.error.code, 'invalid_query', q);
  }
});

test('two suppliers resolving at the same moment always leave the ticket resolved', async () => {
  const ids = [];
  for (let i = 0; i < 15; i++) {
    ids.push((await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: incident({ summary: `race ${i}` }) })).json.id);
  }
  const legOf = async (sim, id) => eventually(async () =>
    (await sim.tickets()).find((x) => x.keten_ticket === id)?.leg_id, 15000, 'delivery');
  const pairs = [];
  for (const id of ids) pairs.push([await legOf(s.sims.netco, id), await legOf(s.sims.hostco, id)]);
  const answers = await Promise.all(pairs.flatMap(([a, b]) => [
    s.sims.netco.send({ leg_id: a, status: 'resolved' }),
    s.sims.hostco.send({ leg_id: b, status: 'resolved' }),
  ]));
  for (const r of answers) assert.equal(r.status, 200, JSON.stringify(r.body));
  for (const id of ids) {
    const v = await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.acme });
    assert.equal(v.json.status, 'resolved', `ticket ${id}`);
  }
});

test('inbound bodies the database could not store are refused up front', async () => {
  const t = (await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: incident({ component: 'vpn' }) })).json;
  const leg = await eventually(async () => (await s.sims.netco.tickets()).find((x) => x.keten_ticket === t.id)?.leg_id,
    15000, 'delivery');
  let r = await s.sims.netco.send({ leg_id: leg, status: 'assigned', occurred_at: '0000-01-01T00:00:00Z' });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.deepEqual(r.body.error.details.map((d) => d.path), ['/occurred_at']);
  r = await s.sims.netco.send({ leg_id: leg, status: 'assigned', webhook_id: 'm'.repeat(256) });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'invalid_webhook_id');
  r = await s.sims.netco.send({ leg_id: 'x' + 'é'.repeat(200), status: 'assigned' });
  assert.equal(r.status, 422, 'an over-long leg id is not a valid update');
  r = await s.sims.netco.send({ leg_id: 'é'.repeat(120), status: 'assigned' });
  assert.ok([404, 422].includes(r.status));
  assert.equal(typeof r.body.error.message, 'string', 'the error is JSON even with multi-byte input');
  assert.equal(await psql(s.db, `SELECT status FROM legs WHERE id = '${leg}'`), 'new');
});
