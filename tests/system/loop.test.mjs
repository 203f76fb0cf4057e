// loop.test.mjs - the event loop never blocks: while a second session holds
// a lock that makes an intake wait inside PostgreSQL, /healthz answers and a
// delivery completes; a supplier that accepts and never answers slows no
// other supplier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, lockSession } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';

let s;
// Retries here are about the loop, not the wait for a lagging search
// before a lookup (lookup.test.mjs), nor the circuit breaker: on a slow
// machine the first test's 503s could open netco's circuit and hold back
// the second test's call (breaker.test.mjs).
before(async () => {
  s = await startStack({ config: { KETEN_SUPPLIER_SEARCH_LAG_MS: '0', KETEN_BREAKER_FAILURES: '1000' } });
});
after(async () => { await s.stop(); });

const body = (component, summary) => ticketBody(s, { summary, description: '', component });

test('a POST waiting on a table lock blocks neither /healthz nor deliveries', async () => {
  // A ticket whose delivery keeps failing until the lock is in place.
  await s.sims.netco.mode({ mode: 'status', status: 503 });
  const t1 = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: body('vpn', 'before the lock') });
  assert.equal(t1.status, 201);

  // SHARE mode blocks INSERT into tickets (intake) but not reads.
  const lock = lockSession(s.db, 'LOCK TABLE tickets IN SHARE MODE');
  try {
    await whileLocked(t1, lock);
  } finally {
    await lock.release(); // a failed check must not leave the intake waiting
  }
});

async function whileLocked(t1, lock) {
  await eventually(async () => lock.locked(), 10000, 'the lock');
  let answered = null;
  const pending = s.api('POST', '/v1/tickets', { key: s.keys.acme, body: body('hosting', 'during the lock') })
    .then((r) => { answered = r; return r; });
  await eventually(async () => await psql(s.db,
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO tickets%'") === '1',
  10000, 'the intake to wait on the lock');

  const h = await s.api('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(answered, null, 'the POST still waits');

  await s.sims.netco.mode({ mode: 'normal' });
  await eventually(async () => {
    const got = (await s.sims.netco.received()).filter((x) => x.answered === 201 && x.json?.data?.id === t1.json.id);
    return got.length === 1;
  }, 15000, 'the delivery of the first ticket while the lock is held');
  assert.equal(answered, null, 'the POST still waits after the delivery');
  assert.ok(lock.locked());

  await lock.release();
  const r = await pending;
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.summary, 'during the lock');
}

test('a supplier that accepts and never answers slows no other supplier', async () => {
  await s.sims.netco.mode({ mode: 'hang' });
  const slow = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: body('vpn', 'to the silent one') });
  await eventually(async () => (await s.sims.netco.received()).some((x) => x.json?.data?.id === slow.json.id),
    10000, 'the silent supplier to have the request');
  const fast = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: body('hosting', 'to the live one') });
  await eventually(async () => (await s.sims.hostco.received()).some((x) => x.json?.data?.id === fast.json.id && x.answered === 201),
    10000, 'delivery to the live supplier');
  const stuck = (await s.sims.netco.received()).filter((x) => x.json?.data?.id === slow.json.id);
  assert.ok(stuck.every((x) => x.answered === null), 'the silent supplier never answered');
  // After the supplier timeout the silent call is classified and retried.
  await s.sims.netco.mode({ mode: 'normal' });
  const leg = await eventually(async () => {
    const v = await s.api('GET', `/v1/tickets/${slow.json.id}`, { key: s.keys.integrator });
    return v.json.legs[0].external_id ? v.json.legs[0] : null;
  }, 30000, 'the silent supplier\'s ticket to be delivered after recovery');
  assert.ok(leg.delivery.attempts >= 2);
  const creates = (await s.sims.netco.received()).filter((x) => x.json?.data?.id === slow.json.id);
  assert.equal(new Set(creates.map((x) => x.headers['webhook-id'])).size, 1, 'one webhook-id on every retry');
  assert.equal((await s.sims.netco.tickets()).filter((x) => x.keten_ticket === slow.json.id).length, 1,
    'one supplier ticket despite the retry');
});
