// limits.test.mjs - per-supplier call limits the dispatcher enforces
// itself: a supplier that hangs holds at most supplier_max_inflight calls
// (the rest of its backlog stays unclaimed) while the other supplier keeps
// flowing, and after it recovers every ticket reaches it exactly once; a
// call that moves no bytes is cut by the low-speed limit long before the
// total timeout. Lower bounds and generous ceilings only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, sleep } from './lib/harness.mjs';

async function post(s, component, summary) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'incident', summary,
    description: 'limits test', impact: 3, urgency: 3, component,
  } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

const forTickets = (ids) => (x) => ids.includes(x.json?.data?.id);

async function supplierTickets(sim, id) {
  return (await sim.tickets()).filter((x) => x.keten_ticket === id);
}

describe('supplier_max_inflight', () => {
  const MAX = 3;
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_SUPPLIER_MAX_INFLIGHT: String(MAX), KETEN_SUPPLIER_TIMEOUT_MS: '6000',
      KETEN_LEASE_MS: '8000', KETEN_SUPPLIER_SEARCH_LAG_MS: '0', KETEN_DISPATCH_INTERVAL_MS: '100',
      // a hung supplier is not down: keep its circuit out of this test
      KETEN_BREAKER_FAILURES: '1000',
    } });
  });
  after(async () => { await s.stop(); });

  test('a hung supplier holds at most its limit of calls; the other keeps flowing', async () => {
    const hung = s.sims.hostco, up = s.sims.netco;
    await hung.mode({ mode: 'hang' });
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await post(s, 'hosting', `hung ${i}`));
    const first = await eventually(async () => {
      const got = (await hung.received()).filter(forTickets(ids));
      return got.length >= MAX && got;
    }, 10000, 'the first calls to the hung supplier');
    const t0 = Math.min(...first.map((x) => x.at));
    // The other supplier meanwhile: each ticket delivered promptly.
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      const id = await post(s, 'vpn', `flowing ${i}`);
      await eventually(async () => (await supplierTickets(up, id)).length === 1, 5000,
        `the other supplier's ticket ${i}`);
      assert.ok(Date.now() - t < 5000);
    }
    await sleep(Math.max(0, t0 + 3000 - Date.now()));
    // Well before the hung calls time out (6 s): exactly the limit arrived.
    const during = (await hung.received()).filter(forTickets(ids));
    assert.ok(Date.now() - t0 < 5500, 'checked before the hung calls timed out');
    assert.equal(during.length, MAX, `${during.length} calls to the hung supplier at once`);
    assert.ok(during.every((x) => x.answered === null));
    const left = Number(psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
      JOIN suppliers sp ON sp.id = l.supplier_id
      WHERE sp.key = 'hostco' AND o.state = 'pending' AND o.lease_token IS NULL`));
    assert.equal(left, ids.length - MAX, 'the rest of the backlog stays unclaimed');

    await hung.mode({ mode: 'normal' });
    for (const id of ids) {
      await eventually(async () => (await supplierTickets(hung, id)).length === 1, 40000,
        `the delivery of ${id} after recovery`);
    }
    await sleep(1000);
    for (const id of ids) assert.equal((await supplierTickets(hung, id)).length, 1, 'one supplier ticket');
  });
});

describe('low-speed limit', () => {
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_SUPPLIER_TIMEOUT_MS: '30000', KETEN_LEASE_MS: '35000',
      KETEN_SUPPLIER_LOW_SPEED_BYTES: '1', KETEN_SUPPLIER_LOW_SPEED_TIME_S: '1',
      KETEN_DISPATCH_INTERVAL_MS: '100',
    } });
  });
  after(async () => { await s.stop(); });

  test('a call that moves nothing is cut by the low-speed limit, not the total timeout', async () => {
    const hung = s.sims.netco;
    await hung.mode({ mode: 'hang' });
    const id = await post(s, 'vpn', 'silent');
    const rec = await eventually(async () => (await hung.received()).find(forTickets([id])),
      10000, 'the call to the silent supplier');
    const outcome = await eventually(() => {
      const o = psql(s.db, `SELECT o.outcome::text FROM outbox o JOIN legs l ON l.id = o.leg_id
        WHERE l.ticket_id = '${id}' AND o.outcome IS NOT NULL`);
      return o && JSON.parse(o);
    }, 15000, 'the outcome of the silent call');
    const took = Date.now() - rec.at;
    assert.ok(took < 15000, `cut after ${took} ms (total timeout 30000)`);
    assert.equal(outcome.kind, 'ambiguous', JSON.stringify(outcome));
    assert.match(outcome.message, /too slow/i);
    await hung.mode({ mode: 'normal' });
    await eventually(async () => (await supplierTickets(hung, id)).length === 1, 30000,
      'the delivery after the silence');
  });
});
