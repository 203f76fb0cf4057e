// delayed.test.mjs - the delivery_delayed sweep raises only what somebody
// still waits for: a leg whose create is overdue is raised, but not one
// the broker ended (withdrawn by a re-route, or cancelled with its
// ticket), nor one of a closed ticket, though each of their creates stays
// pending behind a supplier that keeps answering 503.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';

let s;
before(async () => {
  s = await startStack({ config: {
    KETEN_DELIVERY_DELAYED_P1_MS: '1500', KETEN_DELIVERY_DELAYED_P2_MS: '1500',
    KETEN_DELIVERY_DELAYED_OTHER_MS: '1500', KETEN_DISPATCH_INTERVAL_MS: '100',
    KETEN_BREAKER_OPEN_MS: '1000',
    // Neither the lookup of an in-doubt create nor the circuit is what this
    // test is about: with lookups due at once, every retry fails on netco's
    // 503 and the doubling open periods hold the next create back past its
    // overdue threshold. Each create is tried once, then waits.
    KETEN_SUPPLIER_SEARCH_LAG_MS: '600000', KETEN_BREAKER_FAILURES: '1000',
  } });
});
after(async () => { await s.stop(); });

async function open(summary) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'incident', summary,
    description: 'delayed test', impact: 2, urgency: 2, component: 'vpn' } });
  assert.equal(r.status, 201, r.text);
  const v = await s.api('GET', `/v1/tickets/${r.json.id}`, { key: s.keys.integrator });
  return { id: r.json.id, leg: v.json.legs.find((l) => l.supplier?.key === 'netco').id };
}

// netco was sent the create (and answered 503): it may have arrived, so
// nothing discards it, and it stays pending.
const tried = (t) => eventually(async () => (await s.sims.netco.received())
  .some((x) => x.json?.type === 'leg.create' && x.json.data?.id === t.id), 15000, 'the create tried');

const raised = async (t) => await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'
  AND kind = 'delivery_delayed'`) + '/' + await psql(s.db, `SELECT count(*) FROM legs
  WHERE ticket_id = '${t.id}' AND delivery_delayed_at IS NOT NULL`);
const createState = (t) => psql(s.db, `SELECT state FROM outbox WHERE leg_id = '${t.leg}'
  AND operation = 'create'`);

test('ended legs and closed or cancelled tickets are not raised; a waiting leg is', async () => {
  await s.sims.netco.mode({ mode: 'status', status: 503 });

  // Cancelled by its customer: the ticket is cancelled, the leg ended.
  const cancelled = await open('cancelled');
  await tried(cancelled);
  let r = await s.api('POST', `/v1/tickets/${cancelled.id}/cancel`, { key: s.keys.acme, body: {} });
  assert.equal(r.status, 200, r.text);

  // Routed away by hand: the ticket stays open, netco's leg is withdrawn.
  const withdrawn = await open('withdrawn');
  await tried(withdrawn);
  r = await s.api('POST', `/v1/tickets/${withdrawn.id}/route`, { key: s.keys.integrator,
    body: { suppliers: ['hostco'], reason: 'hostco takes it' } });
  assert.equal(r.status, 200, r.text);

  // Resolved by netco before its create got through, then closed.
  const closed = await open('closed');
  await tried(closed);
  const u = await s.sims.netco.send({ leg_id: closed.leg, status: 'resolved' });
  assert.equal(u.body?.result, 'applied', JSON.stringify(u));
  r = await s.api('POST', `/v1/tickets/${closed.id}/close`, { key: s.keys.acme });
  assert.equal(r.status, 200, r.text);

  // Still waited for: raised, after the others were overdue as well.
  const waiting = await open('waiting');
  await eventually(async () => await raised(waiting) === '1/1', 20000, 'the waiting leg raised');
  for (const t of [cancelled, withdrawn, closed]) {
    assert.equal(await createState(t), 'pending', 'its create is still pending');
    assert.equal(await raised(t), '0/0');
  }
  assert.equal(await psql(s.db, `SELECT ended FROM legs WHERE id = '${cancelled.leg}'`), 'cancelled');
  assert.equal(await psql(s.db, `SELECT ended FROM legs WHERE id = '${withdrawn.leg}'`), 'withdrawn');
  assert.equal(await psql(s.db, `SELECT coalesce(ended, '-') FROM legs WHERE id = '${closed.leg}'`), '-');
  await s.sims.netco.mode({ mode: 'normal' });
});
