// delivery.test.mjs - every outcome of a supplier call classified, against
// the real broker and simulators: a 429's Retry-After closes the supplier's
// gate (nothing is sent to it before the pause runs out, and the message
// is delivered once after), a 400 is a dead letter at once with the
// supplier's answer kept, 503s are retried with jittered backoff until
// recovery, and the retry budget ends in a dead letter by elapsed time
// (a 429's pause not counted). Timing is asserted by lower bounds and
// generous ceilings only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { fileTicketId, supplierTickets } from './lib/tickets.mjs';

// The requests a simulator received for one ticket, oldest first: its
// messages, and the lookups of its legs (which name only the leg).
async function requestsFor(sim, ticketId) {
  const all = await sim.received();
  const legs = new Set(all.filter((x) => x.json?.data?.id === ticketId).map((x) => x.json.data.leg?.id));
  return all.filter((x) => x.json?.data?.id === ticketId ||
    (x.json?.type === 'leg.lookup' && legs.has(x.json.data?.leg?.id)));
}

async function legOf(s, ticketId) {
  const v = await s.api('GET', `/v1/tickets/${ticketId}`, { key: s.keys.integrator });
  assert.equal(v.status, 200, v.text);
  return { leg: v.json.legs[0], ticket: v.json };
}

describe('delivery outcomes', () => {
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_RETRY_BASE_MS: '200', KETEN_RETRY_MAX_MS: '3000', KETEN_DISPATCH_INTERVAL_MS: '100',
      // These tests are about retry timing and the budget, not the breaker,
      // nor the wait for a lagging search (lookup.test.mjs).
      KETEN_BREAKER_FAILURES: '1000', KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
    } });
  });
  after(async () => { await s.stop(); });

  test('a 429 with Retry-After closes the supplier\'s gate for that long', async () => {
    const sim = s.sims.netco;
    await sim.mode({ mode: 'status', status: 429, retry_after: '2' });
    const first = await fileTicketId(s, 'vpn', 'throttled');
    const [limited] = await eventually(async () => {
      const got = await requestsFor(sim, first);
      return got.length ? got : null;
    }, 15000, 'the first attempt');
    assert.equal(limited.answered, 429);
    // A second message for the same supplier while its gate is closed.
    const second = await fileTicketId(s, 'vpn', 'throttled too');
    await sim.mode({ mode: 'normal' });

    for (const id of [first, second]) {
      await eventually(async () => (await supplierTickets(sim, id)).length === 1, 20000,
        `the delivery of ${id} after the pause`);
    }
    const later = (await sim.received()).filter((x) => x.at > limited.at);
    assert.ok(later.length >= 2);
    for (const r of later) {
      assert.ok(r.at >= limited.at + 2000,
        `a request reached the supplier ${r.at - limited.at} ms after its 429 with Retry-After: 2`);
    }
    await dispatchRounds(s);
    for (const id of [first, second]) {
      assert.equal((await supplierTickets(sim, id)).length, 1, 'one supplier ticket');
      const { leg } = await legOf(s, id);
      assert.equal(leg.delivery.state, 'done');
      assert.ok(leg.external_id);
    }
    // The throttled message retried once, after the pause.
    const got = await requestsFor(sim, first);
    assert.deepEqual(got.map((x) => x.answered), [429, 201]);
  });

  test('a 400 is a dead letter at once, with the supplier\'s answer kept', async () => {
    const sim = s.sims.netco;
    await sim.mode({ mode: 'status', status: 400 });
    const id = await fileTicketId(s, 'vpn', 'refused');
    const { leg, ticket } = await eventually(async () => {
      const r = await legOf(s, id);
      return r.leg.delivery?.state === 'dead' ? r : null;
    }, 15000, 'the dead letter');
    assert.equal(leg.delivery.attempts, 1);
    assert.equal(leg.delivery.outcome.kind, 'permanent');
    assert.equal(leg.delivery.outcome.code, 'http_400');
    assert.equal(leg.delivery.outcome.http_status, 400);
    assert.match(leg.delivery.outcome.body, /simulated status 400/);
    const dead = ticket.timeline.filter((e) => e.kind === 'delivery_dead');
    assert.equal(dead.length, 1);
    assert.equal(dead[0].visibility, 'integrator');
    assert.equal(dead[0].data.outcome.http_status, 400);
    // The customer sees neither the leg nor the event.
    const c = await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.acme });
    assert.equal(c.status, 200);
    assert.ok(!c.text.includes('delivery_dead') && !c.text.includes('simulated status'));
    await sim.mode({ mode: 'normal' });
    await dispatchRounds(s);
    assert.equal((await requestsFor(sim, id)).length, 1, 'a dead letter is never retried');
    assert.equal((await legOf(s, id)).leg.delivery.state, 'dead');
  });

  test('503s are retried with jittered backoff and delivered once after recovery', async () => {
    const sim = s.sims.hostco;
    await sim.mode({ mode: 'status', status: 503 });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await fileTicketId(s, 'hosting', `unavailable ${i}`));
    // A create answered 503 may have been made before the supplier failed:
    // every later attempt first looks it up (leg.lookup, an id of its own
    // each time) until a lookup answers; only then may the create go again.
    const attempts = {};
    for (const id of ids) {
      attempts[id] = await eventually(async () => {
        const got = await requestsFor(sim, id);
        return got.length >= 4 ? got : null;
      }, 30000, 'four attempts');
    }
    await sim.mode({ mode: 'normal' });
    for (const id of ids) {
      const got = attempts[id];
      for (let i = 1; i < got.length; i++) {
        const gap = got[i].at - got[i - 1].at;
        assert.ok(gap >= 0, `gap ${gap} ms`);
        // retry_max_ms 3000 plus the sweep, with room for a slow machine
        assert.ok(gap < 15000, `gap ${gap} ms`);
      }
      assert.ok(got.every((x) => x.answered === 503));
      assert.equal(got[0].json.type, 'leg.create');
      assert.ok(got.slice(1).every((x) => x.json.type === 'leg.lookup'), 'looked up, not re-created');
      const creates = got.filter((x) => x.json.type === 'leg.create');
      assert.equal(new Set(creates.map((x) => x.headers['webhook-id'])).size, 1,
        'one webhook-id on every retry of the create');
    }
    for (const id of ids) {
      await eventually(async () => (await supplierTickets(sim, id)).length === 1, 20000,
        'the delivery after recovery');
      const { leg } = await eventually(async () => {
        const r = await legOf(s, id);
        return r.leg.delivery?.state === 'done' ? r : null;
      }, 10000, 'the outcome recorded');
      assert.ok(leg.delivery.attempts >= 5);
    }
    await dispatchRounds(s);
    for (const id of ids) assert.equal((await supplierTickets(sim, id)).length, 1, 'one supplier ticket');
  });
});

describe('the retry budget', () => {
  let s;
  before(async () => {
    s = await startStack({ config: {
      KETEN_SUPPLIER_RETRY_BUDGET_S: '1', KETEN_RETRY_BASE_MS: '200', KETEN_RETRY_MAX_MS: '5000',
      KETEN_DISPATCH_INTERVAL_MS: '100', KETEN_BREAKER_FAILURES: '1000',
      KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
    } });
  });
  after(async () => { await s.stop(); });

  test('a supplier stuck at 503 makes a dead letter after the budget, not before', async () => {
    const sim = s.sims.hostco;
    await sim.mode({ mode: 'status', status: 503 });
    const t0 = Date.now();
    const id = await fileTicketId(s, 'hosting', 'never up');
    const { leg, ticket } = await eventually(async () => {
      const r = await legOf(s, id);
      return r.leg.delivery?.state === 'dead' ? r : null;
    }, 30000, 'the dead letter');
    assert.ok(Date.now() - t0 >= 1000, `dead after ${Date.now() - t0} ms`);
    const spent = Number(await psql(s.db, `SELECT extract(epoch FROM updated_at - first_attempt_at)
      FROM outbox WHERE leg_id = '${leg.id}'`));
    assert.ok(spent >= 1, `dead ${spent} s after the first attempt`);
    assert.equal(leg.delivery.outcome.gave_up, 'retry_budget');
    assert.equal(leg.delivery.outcome.kind, 'retryable');
    assert.equal(leg.delivery.outcome.http_status, 503, 'the last answer is kept');
    assert.match(leg.delivery.outcome.body, /simulated status 503/);
    assert.ok(leg.delivery.attempts >= 2);
    assert.equal(ticket.timeline.filter((e) => e.kind === 'delivery_dead').length, 1);
    const n = (await requestsFor(sim, id)).length;
    assert.equal(n, leg.delivery.attempts);
    await sim.mode({ mode: 'normal' });
    await dispatchRounds(s);
    assert.equal((await requestsFor(sim, id)).length, n, 'nothing is sent after the dead letter');
  });

  test('waiting on a 429\'s Retry-After does not use the budget', async () => {
    const sim = s.sims.netco;
    await sim.mode({ mode: 'status', status: 429, retry_after: '2' });
    const id = await fileTicketId(s, 'vpn', 'throttled for long');
    // Two 429s: the second attempt comes after a 2 s pause, longer than
    // the 1 s budget, and the message is still pending.
    const got = await eventually(async () => {
      const r = await requestsFor(sim, id);
      return r.length >= 2 ? r : null;
    }, 20000, 'a second attempt');
    assert.ok(got[1].at - got[0].at >= 2000, `second attempt ${got[1].at - got[0].at} ms after the first`);
    await sim.mode({ mode: 'normal' });
    const { leg } = await eventually(async () => {
      const r = await legOf(s, id);
      return r.leg.delivery?.state !== 'pending' ? r : null;
    }, 20000, 'the outcome after the pauses');
    assert.equal(leg.delivery.state, 'done', JSON.stringify(leg.delivery));
    assert.equal((await supplierTickets(sim, id)).length, 1, 'one supplier ticket');
    const paused = Number(await psql(s.db, `SELECT paused_ms FROM outbox WHERE leg_id = '${leg.id}'`));
    assert.ok(paused >= 4000, `paused_ms ${paused}`);
  });
});
