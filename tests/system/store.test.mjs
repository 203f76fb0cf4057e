// store.test.mjs - what the store's levels promise beyond the API's own
// tests: every path that queues a message for a supplier wakes the
// dispatcher at once (the periodic sweep is set to 10 minutes here, so a
// message left for it would not arrive during the test): a supplier's
// public comment relayed to the other legs, a close confirmed through the
// API, and the auto-close sweep; the consolidated status counts every leg
// of a ticket, however many re-routing made; and the "open leg" rule of
// SQL (keten_leg_is_open) and of C (kt_store_leg_is_open, seen through a
// rejection, which only an open leg may take) agree on every leg status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { deliveredTicket, resolvedTicket, update, view, sent } from './lib/tickets.mjs';

const AUTO_CLOSE_S = 5;
// Much shorter than the sweep: only a wake-up delivers within it.
const PROMPTLY_MS = 15000;
const STATUSES = ['new', 'assigned', 'in_progress', 'pending_customer',
  'pending_supplier', 'resolved', 'closed', 'cancelled'];

let s;
before(async () => {
  s = await startStack({ config: { KETEN_DISPATCH_INTERVAL_MS: '600000',
    KETEN_AUTO_CLOSE_S: String(AUTO_CLOSE_S) } });
});
after(async () => { await s.stop(); });

// Waits (at most PROMPTLY_MS) until simulator `who` got an update of t
// telling it the ticket closed; returns its close member.
async function closeTold(t, who) {
  const got = await eventually(async () => {
    const told = (await sent(s, t, who, 'update')).filter((x) => x.json.close);
    return told.length > 0 && told;
  }, PROMPTLY_MS, `${who} told of the close`);
  assert.equal(got.length, 1);
  return got[0].json.close;
}

test('a supplier\'s public comment reaches the other leg\'s supplier without waiting for the sweep', async () => {
  const t = await deliveredTicket(s);
  const text = 'netco: the VPN concentrator is being replaced';
  await update(s, t, 'netco', { comment: { text, public: true } });
  const got = await eventually(async () => {
    const c = (await sent(s, t, 'hostco', 'comment')).filter((x) => x.json.comment?.text === text);
    return c.length > 0 && c;
  }, PROMPTLY_MS, 'hostco to get netco\'s public comment');
  assert.equal(got.length, 1);
  assert.equal(got[0].json.comment.author, 'supplier');
});

test('a close confirmed through the API reaches the suppliers without waiting for the sweep', async () => {
  const t = await resolvedTicket(s);
  const r = await s.api('POST', `/v1/tickets/${t.id}/close`, { key: s.keys.acme });
  assert.equal(r.status, 200, r.text);
  for (const who of ['netco', 'hostco']) assert.deepEqual(await closeTold(t, who), { automatic: false });
});

test('the auto-close sweep\'s updates reach the suppliers without waiting for the dispatcher\'s sweep', async () => {
  const t = await resolvedTicket(s);
  await eventually(async () => (await view(s, t, 'acme')).status === 'closed',
    AUTO_CLOSE_S * 1000 + 15000, 'the auto-close');
  for (const who of ['netco', 'hostco']) assert.deepEqual(await closeTold(t, who), { automatic: true });
});

test('the consolidated status counts every leg, also past the 64th', async () => {
  const t = await deliveredTicket(s);
  // 70 legs ended by re-routing, then one more still in progress: the
  // status depends on that last leg.
  await psql(s.db, `INSERT INTO legs (ticket_id, supplier_id, component_key, status, ended, ended_at, created_at)
    SELECT '${t.id}', (SELECT id FROM suppliers WHERE key = 'hostco'), 'hosting', 'cancelled',
      'withdrawn', now(), now() + n * interval '1 millisecond' FROM generate_series(1, 70) n`);
  await psql(s.db, `INSERT INTO legs (ticket_id, supplier_id, component_key, status, created_at)
    VALUES ('${t.id}', (SELECT id FROM suppliers WHERE key = 'hostco'), 'hosting', 'in_progress',
      now() + interval '1 second')`);
  assert.equal(await psql(s.db, `SELECT count(*) FROM legs WHERE ticket_id = '${t.id}'`), '73');
  for (const who of ['netco', 'hostco']) await update(s, t, who, { status: 'resolved' });
  assert.equal((await view(s, t, 'acme')).status, 'in_progress');
  assert.equal(await psql(s.db, `SELECT consolidated FROM tickets WHERE id = '${t.id}'`), 'in_progress');
});

test('the open-leg rule of SQL and of C agree on every leg status', async () => {
  for (const status of STATUSES) {
    const t = await deliveredTicket(s, { summary: `open rule: ${status}` });
    await psql(s.db, `UPDATE legs SET status = '${status}' WHERE id = '${t.legs.netco}'`);
    const sql = await psql(s.db, `SELECT keten_leg_is_open('${status}', NULL)`) === 't';
    // A rejection is applied to an open leg, refused for any other.
    const r = await s.sims.netco.send({ leg_id: t.legs.netco, reject: { reason: 'not ours' } });
    let c;
    if (r.status === 200 && r.body.result === 'applied') c = true;
    else if (r.status === 422 && r.body.error?.code === 'invalid_update') c = false;
    else assert.fail(`status ${status}: unexpected answer ${JSON.stringify(r)}`);
    assert.equal(c, sql, `status ${status}: C says ${c ? 'open' : 'not open'}, SQL ${sql ? 'open' : 'not open'}`);
    // An ended leg is never open.
    assert.equal(await psql(s.db, `SELECT keten_leg_is_open('${status}', 'withdrawn')`), 'f');
  }
  // Sanity: both see both verdicts (the comparison is not vacuous).
  assert.equal(await psql(s.db, `SELECT string_agg(s, ',' ORDER BY s) FROM unnest(ARRAY['${STATUSES.join("','")}']) s
    WHERE keten_leg_is_open(s, NULL)`), 'assigned,in_progress,new,pending_customer,pending_supplier');
});
