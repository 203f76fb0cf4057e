// limits.test.mjs - per-supplier call limits the dispatcher enforces
// itself: a supplier that hangs holds at most supplier_max_inflight calls
// (the rest of its backlog stays unclaimed) while the other supplier keeps
// flowing, and after it recovers every ticket reaches it exactly once; a
// call that moves no bytes is cut by the low-speed limit long before the
// total timeout. A supplier's own limits (its chain document "delivery")
// replace the node's for it alone: two hung suppliers each hold exactly
// their own max_inflight, a supplier's own timeout_ms cuts its hung call
// long before the node's, and one longer than the lease is cut to it.
// Lower bounds and generous ceilings only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, chainDoc } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { fileTicketId, supplierTickets, forTickets } from './lib/tickets.mjs';

describe('supplier_max_inflight', () => {
  const MAX = 3;
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_SUPPLIER_MAX_INFLIGHT: String(MAX), KETEN_SUPPLIER_TIMEOUT_MS: '8000',
      KETEN_LEASE_MS: '10000', KETEN_SUPPLIER_SEARCH_LAG_MS: '0', KETEN_DISPATCH_INTERVAL_MS: '100',
      // a hung supplier is not down: keep its circuit out of this test
      KETEN_BREAKER_FAILURES: '1000',
    } });
  });
  after(async () => { await s.stop(); });

  test('a hung supplier holds at most its limit of calls; the other keeps flowing', async () => {
    const hung = s.sims.hostco, up = s.sims.netco;
    await hung.mode({ mode: 'hang' });
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await fileTicketId(s, 'hosting', `hung ${i}`, 3, 3));
    const first = await eventually(async () => {
      const got = (await hung.received()).filter(forTickets(ids));
      return got.length >= MAX && got;
    }, 10000, 'the first calls to the hung supplier');
    const t0 = Math.min(...first.map((x) => x.at));
    // The other supplier meanwhile: each ticket delivered promptly.
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      const id = await fileTicketId(s, 'vpn', `flowing ${i}`, 3, 3);
      await eventually(async () => (await supplierTickets(up, id)).length === 1, 5000,
        `the other supplier's ticket ${i}`);
      assert.ok(Date.now() - t < 5000);
    }
    // Two more claims: nothing beyond the limit went out meanwhile.
    await dispatchRounds(s);
    // Well before the hung calls time out (8 s): exactly the limit arrived.
    const during = (await hung.received()).filter(forTickets(ids));
    assert.ok(Date.now() - t0 < 7500, 'checked before the hung calls timed out');
    assert.equal(during.length, MAX, `${during.length} calls to the hung supplier at once`);
    assert.ok(during.every((x) => x.answered === null));
    const left = Number(await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
      JOIN suppliers sp ON sp.id = l.supplier_id
      WHERE sp.key = 'hostco' AND o.state = 'pending' AND o.lease_token IS NULL`));
    assert.equal(left, ids.length - MAX, 'the rest of the backlog stays unclaimed');

    await hung.mode({ mode: 'normal' });
    for (const id of ids) {
      await eventually(async () => (await supplierTickets(hung, id)).length === 1, 40000,
        `the delivery of ${id} after recovery`);
    }
    await dispatchRounds(s);
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
    const id = await fileTicketId(s, 'vpn', 'silent', 3, 3);
    const rec = await eventually(async () => (await hung.received()).find(forTickets([id])),
      10000, 'the call to the silent supplier');
    const outcome = await eventually(async () => {
      const o = await psql(s.db, `SELECT o.outcome::text FROM outbox o JOIN legs l ON l.id = o.leg_id
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

// The tests' chain with a delivery member per supplier (netco, hostco).
const withDelivery = (netco, hostco) => (sims) => {
  const doc = chainDoc(sims);
  doc.suppliers[0].delivery = netco;
  doc.suppliers[1].delivery = hostco;
  return doc;
};

const unclaimed = async (s, key) => Number(await psql(s.db, `SELECT count(*) FROM outbox o
  JOIN legs l ON l.id = o.leg_id JOIN suppliers sp ON sp.id = l.supplier_id
  WHERE sp.key = '${key}' AND o.state = 'pending' AND o.lease_token IS NULL`));

describe('a supplier\'s own max_inflight', () => {
  const OWN = { netco: 2, hostco: 5 };
  let s;
  before(async () => {
    s = await startStack({
      chain: withDelivery({ max_inflight: OWN.netco }, { max_inflight: OWN.hostco }),
      config: {
        KETEN_SUPPLIER_MAX_INFLIGHT: '3', KETEN_SUPPLIER_TIMEOUT_MS: '8000',
        KETEN_LEASE_MS: '10000', KETEN_SUPPLIER_SEARCH_LAG_MS: '0', KETEN_DISPATCH_INTERVAL_MS: '100',
        KETEN_BREAKER_FAILURES: '1000',
      },
    });
  });
  after(async () => { await s.stop(); });

  test('two hung suppliers each hold exactly their own limit of calls, not the node\'s', async () => {
    const sims = { netco: s.sims.netco, hostco: s.sims.hostco };
    const component = { netco: 'vpn', hostco: 'hosting' };
    const ids = { netco: [], hostco: [] };
    for (const sim of Object.values(sims)) await sim.mode({ mode: 'hang' });
    for (let i = 0; i < 10; i++) {
      for (const key of ['netco', 'hostco']) ids[key].push(await fileTicketId(s, component[key], `${key} ${i}`, 3, 3));
    }
    let t0 = Infinity;
    for (const key of ['netco', 'hostco']) {
      const first = await eventually(async () => {
        const got = (await sims[key].received()).filter(forTickets(ids[key]));
        return got.length >= OWN[key] && got;
      }, 10000, `the first calls to ${key}`);
      t0 = Math.min(t0, ...first.map((x) => x.at));
    }
    // Two more claims: nothing beyond the limit went out meanwhile.
    await dispatchRounds(s);
    // Well before the hung calls time out (8 s): each supplier got its own limit.
    const during = {};
    for (const key of ['netco', 'hostco']) {
      during[key] = (await sims[key].received()).filter(forTickets(ids[key]));
    }
    assert.ok(Date.now() - t0 < 7500, 'checked before the hung calls timed out');
    for (const key of ['netco', 'hostco']) {
      assert.equal(during[key].length, OWN[key], `${during[key].length} calls to ${key} at once`);
      assert.ok(during[key].every((x) => x.answered === null));
      assert.equal(await unclaimed(s, key), ids[key].length - OWN[key], `the rest of ${key}'s backlog stays unclaimed`);
    }

    for (const sim of Object.values(sims)) await sim.mode({ mode: 'normal' });
    for (const key of ['netco', 'hostco']) {
      for (const id of ids[key]) {
        await eventually(async () => (await supplierTickets(sims[key], id)).length === 1, 40000,
          `the delivery of ${id} to ${key} after recovery`);
      }
    }
  });
});

describe('a supplier\'s own timeout_ms', () => {
  let s;
  before(async () => {
    s = await startStack({
      // netco: shorter than the node's; hostco: longer than the lease.
      chain: withDelivery({ timeout_ms: 1500 }, { timeout_ms: 3600000 }),
      config: {
        KETEN_SUPPLIER_TIMEOUT_MS: '30000', KETEN_LEASE_MS: '35000',
        KETEN_SUPPLIER_LOW_SPEED_BYTES: '0', KETEN_DISPATCH_INTERVAL_MS: '100',
        KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
      },
    });
  });
  after(async () => { await s.stop(); });

  test('cuts a hung call long before the node\'s timeout', async () => {
    const hung = s.sims.netco;
    await hung.mode({ mode: 'hang' });
    const id = await fileTicketId(s, 'vpn', 'own timeout', 3, 3);
    const rec = await eventually(async () => (await hung.received()).find(forTickets([id])),
      10000, 'the call to the hung supplier');
    const outcome = await eventually(async () => {
      const o = await psql(s.db, `SELECT o.outcome::text FROM outbox o JOIN legs l ON l.id = o.leg_id
        WHERE l.ticket_id = '${id}' AND o.outcome IS NOT NULL`);
      return o && JSON.parse(o);
    }, 15000, 'the outcome of the hung call');
    const took = Date.now() - rec.at;
    assert.ok(took >= 1000, `cut after ${took} ms, not before its own timeout (1500)`);
    assert.ok(took < 15000, `cut after ${took} ms (node timeout 30000)`);
    assert.equal(outcome.kind, 'ambiguous', JSON.stringify(outcome));
    assert.equal(outcome.code, 'timeout_after_send', JSON.stringify(outcome));
    await hung.mode({ mode: 'normal' });
    await eventually(async () => (await supplierTickets(hung, id)).length === 1, 30000,
      'the delivery after the timeout');
  });

  test('a timeout longer than the lease is cut to it, and said once', async () => {
    const ids = [await fileTicketId(s, 'hosting', 'long timeout 1', 3, 3), await fileTicketId(s, 'hosting', 'long timeout 2', 3, 3)];
    for (const id of ids) {
      await eventually(async () => (await supplierTickets(s.sims.hostco, id)).length === 1, 15000,
        `the delivery of ${id}`);
    }
    const said = s.log.text.split('\n').filter((l) => l.includes('outlasts the lease'))
      .map((l) => JSON.parse(l));
    assert.equal(said.length, 1, s.log.text.slice(-4000));
    assert.deepEqual([said[0].supplier, said[0].timeout_ms, said[0].used_ms], ['hostco', 3600000, 34000]);
  });
});
