// breaker.test.mjs - a supplier that keeps failing opens its circuit in the
// broker: while it is open the supplier gets at most one probe per open
// period (not a retry storm), the other supplier's tickets go out
// promptly, waiting on the open circuit is not charged to the retry
// budget, and after recovery every ticket is delivered exactly once. And
// a leg whose first delivery is overdue for its priority raises
// delivery_delayed once, on the integrator's timeline only. Timing is
// asserted by lower bounds and generous ceilings only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, sleep } from './lib/harness.mjs';
import { dispatchRounds, refreshed, sweeps } from './lib/metrics.mjs';
import { fileTicketId, ticketOf, view, supplierTickets, forTickets } from './lib/tickets.mjs';

describe('circuit breaker', () => {
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_BREAKER_FAILURES: '3', KETEN_BREAKER_OPEN_MS: '2000', KETEN_BREAKER_OPEN_MAX_MS: '2000',
      KETEN_RETRY_BASE_MS: '50', KETEN_RETRY_MAX_MS: '500', KETEN_DISPATCH_INTERVAL_MS: '100',
    } });
  });
  after(async () => { await s.stop(); });

  test('a failing supplier gets probes, not a storm, and the other is not slowed', async () => {
    const down = s.sims.hostco, up = s.sims.netco;
    await down.mode({ mode: 'status', status: 503 });
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await fileTicketId(s, 'hosting', `down ${i}`));
    await eventually(async () => (await down.received()).filter(forTickets(ids)).length >= 3,
      15000, 'the failures that open the circuit');
    await eventually(() => /circuit of supplier \\?"hostco\\?" open/.test(s.log.text), 15000,
      'the circuit opening in the log');
    // The calls that were in flight when it opened came back: no message
    // of the supplier is leased (its next probe is an open period away).
    await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox o
      JOIN legs l ON l.id = o.leg_id JOIN suppliers sp ON sp.id = l.supplier_id
      WHERE sp.key = 'hostco' AND o.lease_token IS NOT NULL`) === '0', 15000, 'the calls in flight back');
    const from = Date.now();
    // The other supplier meanwhile: each ticket delivered promptly.
    for (let i = 0; i < 4; i++) {
      const t0 = Date.now();
      const id = await fileTicketId(s, 'vpn', `up ${i}`);
      await eventually(async () => (await supplierTickets(up, id)).length === 1, 5000,
        `the other supplier's ticket ${i}`);
      assert.ok(Date.now() - t0 < 5000);
      await sleep(1000);
    }
    const windowEnd = Date.now();
    const inWindow = (await down.received()).filter((x) => x.at >= from && x.at < windowEnd);
    const periods = (windowEnd - from) / 2000;
    // At most one probe per open period (plus one for the edges); without
    // the circuit 20 messages retried within 500 ms would be hundreds.
    assert.ok(inWindow.length <= Math.ceil(periods) + 2,
      `${inWindow.length} requests in ${windowEnd - from} ms while the circuit was open`);
    assert.ok(inWindow.every((x) => x.answered === 503));

    // Waiting on the open circuit is credited to the messages' budgets as
    // each open period ends: a message first tried more than two periods
    // ago has seen at least one end.
    const [n, paused] = (await psql(s.db, `SELECT count(*), min(o.paused_ms) FROM outbox o
      JOIN legs l ON l.id = o.leg_id JOIN suppliers sp ON sp.id = l.supplier_id
      WHERE sp.key = 'hostco' AND o.state = 'pending'
      AND o.first_attempt_at < now() - interval '4500 milliseconds'`)).split('|').map(Number);
    assert.ok(n >= 1, 'messages tried before the circuit opened');
    assert.ok(paused >= 1000, `paused_ms ${paused}`);

    await down.mode({ mode: 'normal' });
    for (const id of ids) {
      await eventually(async () => (await supplierTickets(down, id)).length === 1, 30000,
        `the delivery of ${id} after recovery`);
    }
    await eventually(() => /circuit of supplier \\?"hostco\\?" closed/.test(s.log.text), 5000,
      'the circuit closing in the log');
    for (const id of ids) {
      await eventually(async () => {
        const leg = (await ticketOf(s, id)).legs[0];
        return leg.delivery?.state === 'done';
      }, 10000, 'the outcome recorded');
    }
    await dispatchRounds(s);
    for (const id of ids) {
      assert.equal((await supplierTickets(down, id)).length, 1, 'one supplier ticket');
    }
    const creates = (await down.received()).filter(forTickets(ids))
      .filter((x) => x.answered >= 200 && x.answered < 300 && !x.replayed);
    assert.equal(creates.length, ids.length, 'each ticket delivered exactly once');
  });
});

describe('delivery_delayed', () => {
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_DELIVERY_DELAYED_P1_MS: '1000', KETEN_DELIVERY_DELAYED_P2_MS: '1000',
      KETEN_DELIVERY_DELAYED_OTHER_MS: '1000', KETEN_DISPATCH_INTERVAL_MS: '100',
      KETEN_BREAKER_OPEN_MS: '1000',
    } });
  });
  after(async () => { await s.stop(); });

  test('an overdue first delivery is raised once, to the integrator only', async () => {
    const hung = s.sims.netco;
    await hung.mode({ mode: 'hang' });
    const t0 = Date.now();
    const id = await fileTicketId(s, 'vpn', 'stuck', 1, 1);
    const prompt = await fileTicketId(s, 'hosting', 'prompt', 1, 1);
    const delayed = await eventually(async () => {
      const t = (await ticketOf(s, id)).timeline
        .filter((e) => e.kind === 'delivery_delayed');
      return t.length ? t : null;
    }, 15000, 'delivery_delayed on the timeline');
    assert.ok(Date.now() - t0 >= 1000, `raised ${Date.now() - t0} ms after the ticket`);
    assert.equal(delayed.length, 1);
    assert.equal(delayed[0].visibility, 'integrator');
    assert.equal(delayed[0].data.operation, 'create');
    assert.equal(delayed[0].data.priority, 1);
    assert.ok(delayed[0].data.waited_ms >= 1000);
    assert.equal(await psql(s.db, `SELECT count(*) FROM legs WHERE ticket_id = '${id}'
      AND delivery_delayed_at IS NOT NULL`), '1');

    // Still once after two more sweeps (each refreshes the age of netco's
    // oldest pending message: the hung one), and never for the customer.
    await refreshed(s, 'keten_outbox_oldest_age_seconds', { supplier: 'netco' }, 2);
    let v = await ticketOf(s, id);
    assert.equal(v.timeline.filter((e) => e.kind === 'delivery_delayed').length, 1);
    const c = JSON.stringify(await view(s, { id }, 'acme'));
    assert.ok(!c.includes('delivery_delayed'), c);

    // A leg delivered in time raises nothing.
    v = await ticketOf(s, prompt);
    assert.equal(v.timeline.filter((e) => e.kind === 'delivery_delayed').length, 0);
    assert.equal(v.legs[0].delivery.state, 'done');

    await hung.mode({ mode: 'normal' });
    await eventually(async () => (await supplierTickets(hung, id)).length === 1, 30000,
      'the delivery after the hang');
    await sweeps(s, 'housekeeping');
    v = await ticketOf(s, id);
    assert.equal(v.timeline.filter((e) => e.kind === 'delivery_delayed').length, 1);
  });
});

// Issue 9, bug 4: a secret the broker cannot sign with is the broker's
// failure, not the supplier's: its messages are retried and dead-lettered
// by their budget as any failure before sending, and the supplier's
// circuit stays closed however often it happens.
describe('a broker-side secret failure', () => {
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_SECRET_NETCO: 'not-a-signing-secret',
      KETEN_BREAKER_FAILURES: '2', KETEN_BREAKER_OPEN_MS: '60000',
      KETEN_BREAKER_OPEN_MAX_MS: '60000', KETEN_SUPPLIER_RETRY_BUDGET_S: '2',
      KETEN_RETRY_BASE_MS: '50', KETEN_RETRY_MAX_MS: '200', KETEN_DISPATCH_INTERVAL_MS: '100',
    } });
  });
  after(async () => { await s.stop(); });

  test('does not open the supplier\'s circuit', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await fileTicketId(s, 'vpn', `unsigned ${i}`));
    const legs = await eventually(async () => {
      const all = [];
      for (const id of ids) {
        const leg = (await ticketOf(s, id)).legs[0];
        if (leg.delivery?.state !== 'dead') return null;
        all.push(leg);
      }
      return all;
    }, 20000, 'every message dead by its budget');
    const [failed, tries] = (await psql(s.db, `SELECT count(*), min(o.attempts) FROM outbox o
      JOIN legs l ON l.id = o.leg_id JOIN suppliers sp ON sp.id = l.supplier_id
      WHERE sp.key = 'netco' AND o.state = 'dead'
      AND o.outcome->>'code' = 'bad_secret'`)).split('|').map(Number);
    assert.equal(failed, ids.length, `dead with bad_secret: ${JSON.stringify(legs)}`);
    assert.ok(tries >= 2, `each retried before its dead letter (${tries} attempts)`);
    const m = (await s.api('GET', '/metrics')).text;
    assert.match(m, /^keten_circuit_state\{supplier="netco"\} 0$/m, 'the circuit stays closed');
    assert.doesNotMatch(s.log.text, /circuit of supplier \\?"netco\\?" open/);
    assert.equal((await s.sims.netco.received()).length, 0, 'nothing reached the supplier');
  });
});
