// deadletter.test.mjs - the integrator's dead-letter API against the real
// broker and simulators: a dead create holds back the later messages of its
// leg (listed as blocked), GET /v1/deliveries shows it with the supplier's
// kept answer, replay delivers it exactly once and lets the leg flow,
// discard lets the later messages go, replay-dead replays a supplier's dead
// letters at once, and linking a leg to a supplier ticket raised out of
// band keeps its create from ever reaching the supplier.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';
import { fileTicket, ticketOf, supplierTickets } from './lib/tickets.mjs';

async function deadLeg(s, ticketId) {
  return eventually(async () => {
    const t = await ticketOf(s, ticketId);
    return t.legs[0].delivery?.state === 'dead' ? t.legs[0] : null;
  }, 15000, 'the dead letter');
}

async function deliveries(s, query) {
  const r = await s.api('GET', `/v1/deliveries?${query}`, { key: s.keys.integrator });
  assert.equal(r.status, 200, r.text);
  check('DeliveryPage', r.json);
  return r.json;
}

const forLeg = (sim, legId) => sim.received()
  .then((all) => all.filter((x) => x.json?.data?.leg?.id === legId));
// A second message on a leg. Nothing in the API queues one yet (updates
// and comments towards suppliers come later), so the test writes the row
// the way intake does: the leg's next sequence, in the same statement.
async function queueUpdate(s, legId) {
  return (await psql(s.db, `WITH l AS (UPDATE legs SET next_seq = next_seq + 1 WHERE id = '${legId}'
      RETURNING id, supplier_id, next_seq - 1 AS seq)
    INSERT INTO outbox (leg_id, supplier_id, seq, operation, idempotency_key, priority)
    SELECT id, supplier_id, seq, 'update', 'test-update-' || id, 2 FROM l RETURNING id`)).trim();
}

describe('dead letters', () => {
  let s;
  before(async () => {
    s = await startStack({ config: { KETEN_DISPATCH_INTERVAL_MS: '100' } });
  });
  after(async () => { await s.stop(); });

  test('a dead create blocks its leg; replay delivers it once and the leg flows', async () => {
    const sim = s.sims.netco;
    await sim.mode({ mode: 'status', status: 400 });
    const t = await fileTicket(s, 'vpn', 'refused then replayed');
    const leg = await deadLeg(s, t.id);
    const updateId = await queueUpdate(s, leg.id);

    const dead = (await deliveries(s, 'state=dead&supplier=netco')).items
      .find((m) => m.leg_id === leg.id);
    assert.ok(dead, 'the dead create is listed');
    assert.equal(dead.ticket_id, t.id);
    assert.equal(dead.ticket_number, t.number);
    assert.equal(dead.supplier, 'netco');
    assert.equal(dead.operation, 'create');
    assert.equal(dead.seq, 1);
    assert.equal(dead.state, 'dead');
    assert.equal(dead.attempts, 1);
    assert.equal(dead.outcome.http_status, 400);
    assert.match(dead.outcome.body, /simulated status 400/);
    assert.match(dead.due_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(dead.created_at, /Z$/);
    const blocked = (await deliveries(s, 'state=blocked')).items;
    assert.deepEqual(blocked.map((m) => m.id), [updateId]);
    assert.equal(blocked[0].blocked, true);
    assert.equal(blocked[0].state, 'pending');
    assert.ok(!(await deliveries(s, 'state=dead')).items.some((m) => m.id === updateId));
    assert.ok((await deliveries(s, 'state=pending')).items.some((m) => m.id === updateId));

    for (const key of [s.keys.acme, s.keys.netco]) {
      assert.equal((await s.api('GET', '/v1/deliveries', { key })).status, 403);
      const r = await s.api('POST', `/v1/deliveries/${dead.id}/replay`, { key, body: {} });
      assert.equal(r.status, 403);
      assert.equal(r.json.error.code, 'forbidden');
    }
    // Held back: the later message does not overtake the dead one.
    await sim.mode({ mode: 'normal' });
    await dispatchRounds(s);
    assert.equal((await forLeg(sim, leg.id)).length, 1, 'only the refused create reached the supplier');

    const r = await s.api('POST', `/v1/deliveries/${dead.id}/replay`, { key: s.keys.integrator });
    assert.equal(r.status, 200, r.text);
    check('Delivery', r.json);
    assert.equal(r.json.id, dead.id);
    assert.equal(r.json.attempts, 1, 'attempts kept');
    assert.equal(r.json.history.length, 1);
    assert.equal(r.json.history[0].action, 'replayed');
    assert.equal(r.json.history[0].outcome.http_status, 400, 'the refused answer kept in history');

    await eventually(async () => (await supplierTickets(sim, t.id)).length === 1, 15000,
      'the replayed create delivered');
    await eventually(async () => (await forLeg(sim, leg.id)).some((x) => x.json?.type === 'leg.update'),
      15000, 'the held-back update delivered after it');
    await dispatchRounds(s);
    assert.equal((await supplierTickets(sim, t.id)).length, 1, 'exactly one supplier ticket');
    const got = await forLeg(sim, leg.id);
    assert.deepEqual(got.map((x) => [x.json?.type, x.answered]),
      [['leg.create', 400], ['leg.create', 201], ['leg.update', 200]]);
    const after = await ticketOf(s, t.id);
    assert.ok(after.legs[0].external_id);
    const ev = after.timeline.filter((e) => e.kind === 'delivery_replayed');
    assert.equal(ev.length, 1);
    assert.equal(ev[0].visibility, 'integrator');
    assert.equal(ev[0].data.delivery_id, dead.id);
    const c = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.acme });
    assert.ok(!c.text.includes('delivery_replayed'), 'the customer does not see it');

    const again = await s.api('POST', `/v1/deliveries/${dead.id}/replay`, { key: s.keys.integrator });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'not_dead');
    for (const id of ['999999999', '00000000-0000-4000-8000-000000000000', 'x']) {
      const u = await s.api('POST', `/v1/deliveries/${id}/replay`, { key: s.keys.integrator });
      assert.equal(u.status, 404, id);
      assert.equal(u.json.error.code, 'not_found');
    }
  });

  test('discard lets the later messages of the leg go', async () => {
    const sim = s.sims.netco;
    await sim.mode({ mode: 'status', status: 400 });
    const t = await fileTicket(s, 'vpn', 'refused then discarded');
    const leg = await deadLeg(s, t.id);
    const updateId = await queueUpdate(s, leg.id);
    await sim.mode({ mode: 'normal' });
    const dead = (await deliveries(s, 'state=dead')).items.find((m) => m.leg_id === leg.id);
    const r = await s.api('POST', `/v1/deliveries/${dead.id}/discard`, { key: s.keys.integrator });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'discarded');
    assert.equal(r.json.outcome.http_status, 400);
    await eventually(async () => (await forLeg(sim, leg.id)).some((x) => x.json?.type === 'leg.update'),
      15000, 'the update after the discard');
    // The supplier has it; its outcome is recorded after the answer, in
    // the dispatcher's next record job: an outcome, not a moment.
    await eventually(async () => (await deliveries(s, 'state=done')).items.some((x) => x.id === updateId),
      15000, 'the update done');
    assert.equal((await supplierTickets(sim, t.id)).length, 0, 'the discarded create never went out');
    assert.ok((await deliveries(s, 'state=discarded')).items.some((x) => x.id === dead.id));
    const again = await s.api('POST', `/v1/deliveries/${dead.id}/discard`, { key: s.keys.integrator });
    assert.equal(again.status, 409);
    const tl = (await ticketOf(s, t.id)).timeline.filter((e) => e.kind === 'delivery_discarded');
    assert.equal(tl.length, 1);
    assert.equal(tl[0].visibility, 'integrator');
  });

  test('replay-dead replays every dead letter of one supplier', async () => {
    const sim = s.sims.netco;
    await sim.mode({ mode: 'status', status: 400 });
    const ts = [await fileTicket(s, 'vpn', 'bulk 1'), await fileTicket(s, 'vpn', 'bulk 2')];
    for (const t of ts) await deadLeg(s, t.id);
    const before = (await deliveries(s, 'state=dead&supplier=netco')).items.length;
    assert.ok(before >= 2);
    assert.equal((await deliveries(s, 'state=dead&supplier=hostco')).items.length, 0);
    await sim.mode({ mode: 'normal' });
    const r = await s.api('POST', '/v1/suppliers/netco/replay-dead', { key: s.keys.integrator });
    assert.equal(r.status, 200, r.text);
    check('ReplayResult', r.json);
    assert.deepEqual(r.json, { replayed: before });
    for (const t of ts) {
      await eventually(async () => (await supplierTickets(sim, t.id)).length === 1, 15000,
        `the delivery of ${t.number}`);
    }
    const none = await s.api('POST', '/v1/suppliers/netco/replay-dead', { key: s.keys.integrator });
    assert.deepEqual(none.json, { replayed: 0 });
    const u = await s.api('POST', '/v1/suppliers/nobody/replay-dead', { key: s.keys.integrator });
    assert.equal(u.status, 404);
    assert.equal(u.json.error.code, 'unknown_supplier');
    const f = await s.api('POST', '/v1/suppliers/netco/replay-dead', { key: s.keys.netco });
    assert.equal(f.status, 403);
  });

  test('the list pages newest first and refuses bad queries', async () => {
    const all = (await deliveries(s, 'limit=200')).items;
    assert.ok(all.length >= 4);
    const seen = [];
    let cursor = null;
    do {
      const page = await deliveries(s, `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, all.map((m) => m.id));
    const ids = seen.map(Number);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    for (const [q, code, status] of [['state=lost', 'invalid_state', 400],
      ['limit=0', 'invalid_limit', 400], ['cursor=abc', 'invalid_cursor', 400],
      ['supplier=nobody', 'unknown_supplier', 404]]) {
      const r = await s.api('GET', `/v1/deliveries?${q}`, { key: s.keys.integrator });
      assert.equal(r.status, status, q);
      assert.equal(r.json.error.code, code, q);
      check('Error', r.json);
    }
  });

  test('link ties a leg to a supplier ticket raised out of band: its create never goes out', async () => {
    const sim = s.sims.netco;
    await sim.mode({ mode: 'status', status: 503 });
    const t = await fileTicket(s, 'vpn', 'raised by phone');
    const legId = (await ticketOf(s, t.id)).legs[0].id;
    await eventually(async () => (await forLeg(sim, legId)).length > 0, 15000, 'a refused attempt');
    // The create may be on its way at this instant: 409, try again.
    const r = await eventually(async () => {
      const x = await s.api('POST', `/v1/legs/${legId}/link`, { key: s.keys.integrator,
        body: { external_id: 'PHONE-42' } });
      if (x.status === 409) assert.equal(x.json.error.code, 'delivery_in_flight');
      return x.status === 409 ? null : x;
    }, 15000, 'the link');
    assert.equal(r.status, 200, r.text);
    check('LegLinkResult', r.json);
    assert.equal(r.json.external_id, 'PHONE-42');
    assert.equal(r.json.discarded.state, 'discarded');
    assert.equal(r.json.discarded.outcome.kind, 'linked');
    const linkedAt = Date.now();
    await sim.mode({ mode: 'normal' });
    await dispatchRounds(s);
    const creates = (await forLeg(sim, legId)).filter((x) => x.json?.type === 'leg.create');
    assert.ok(creates.every((x) => x.answered === 503), 'no create was accepted');
    assert.ok(creates.every((x) => x.at < linkedAt + 200), 'no create after the link');
    assert.equal((await supplierTickets(sim, t.id)).length, 0);
    const v = await ticketOf(s, t.id);
    assert.equal(v.legs[0].external_id, 'PHONE-42');
    const kinds = v.timeline.map((e) => e.kind);
    assert.ok(kinds.includes('accepted') && kinds.includes('linked'), kinds.join());
    // The supplier sees its own leg with the id it gave.
    const sv = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.netco });
    assert.ok(sv.text.includes('PHONE-42'));

    const same = await s.api('POST', `/v1/legs/${legId}/link`, { key: s.keys.integrator,
      body: { external_id: 'PHONE-42' } });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json.discarded, null);
    assert.equal((await ticketOf(s, t.id)).timeline.filter((e) => e.kind === 'linked').length, 1);
    const other = await s.api('POST', `/v1/legs/${legId}/link`, { key: s.keys.integrator,
      body: { external_id: 'PHONE-43' } });
    assert.equal(other.status, 409);
    assert.equal(other.json.error.code, 'external_id_conflict');
    const bad = await s.api('POST', `/v1/legs/${legId}/link`, { key: s.keys.integrator,
      body: { external_id: '' } });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.details[0].path, '/external_id');
    const unknown = await s.api('POST', '/v1/legs/00000000-0000-4000-8000-000000000000/link',
      { key: s.keys.integrator, body: { external_id: 'X' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'unknown_leg');
    const cust = await s.api('POST', `/v1/legs/${legId}/link`, { key: s.keys.acme,
      body: { external_id: 'X' } });
    assert.equal(cust.status, 403);
  });
});

// Issue 9, bug 5: a claimed row whose data the broker cannot read was
// dropped after its attempt counter went up, and claimed again forever;
// it is a dead letter, shown with its reason.
describe('an unreadable outbox row', () => {
  let s;
  before(async () => {
    s = await startStack({ config: { KETEN_DISPATCH_INTERVAL_MS: '100' } });
  });
  after(async () => { await s.stop(); });

  test('becomes a visible dead letter with the reason', async () => {
    const t = await fileTicket(s, 'vpn', 'then an unreadable update');
    const leg = await eventually(async () => {
      const l = (await ticketOf(s, t.id)).legs[0];
      return l.delivery?.state === 'done' ? l : null;
    }, 15000, 'the create delivered');
    // An integer PostgreSQL keeps but no 64-bit reader can.
    const id = (await psql(s.db, `WITH l AS (UPDATE legs SET next_seq = next_seq + 1
        WHERE id = '${leg.id}' RETURNING id, supplier_id, next_seq - 1 AS seq)
      INSERT INTO outbox (leg_id, supplier_id, seq, operation, idempotency_key, priority, payload)
      SELECT id, supplier_id, seq, 'update', 'test-unreadable-' || id, 2,
        '{"n": 100000000000000000000000000000}'::jsonb FROM l RETURNING id`)).trim();
    const dead = await eventually(async () => (await deliveries(s, 'state=dead&supplier=netco'))
      .items.find((m) => m.id === id), 15000, 'the unreadable row as a dead letter');
    assert.equal(dead.outcome.code, 'unreadable_message');
    assert.match(dead.outcome.message, /payload cannot be read/);
    assert.equal(await psql(s.db, `SELECT state || '|' || attempts FROM outbox WHERE id = ${id}`), 'dead|1');
    assert.equal((await forLeg(s.sims.netco, leg.id)).length, 1, 'only the create reached the supplier');
  });
});
