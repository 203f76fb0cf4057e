// faults-backlog.test.mjs - the outbound fault suite's run 2: a supplier
// that is down for a while (503), then answers 429 with Retry-After, then
// a burst of 500s, then recovers. Checked from the simulators' records:
// no request reached it before a Retry-After ran out, the other supplier
// kept flowing in every phase, a P1 created during the backlog went out
// before the backlog's P4s after recovery, and the backlog drained with
// exactly one supplier ticket per leg. Run against a simulator that
// honours Idempotency-Key and against one that ignores it and whose
// search lags 2 s. Durations shrunk in the config; lower bounds and
// generous ceilings only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { fileTicketId } from './lib/tickets.mjs';

const BACKLOG = 30;
const RETRY_AFTER_S = 3;
// Requests already on their way when a 429 came back (the same wave, each
// maybe on a new TLS connection) may still arrive a little later.
const IN_FLIGHT_SLACK_MS = 1000;

const variants = [
  { name: 'supplier honours Idempotency-Key', sim: { idempotency: 'honour' }, lag: '0' },
  { name: 'supplier ignores it, search lags 2 s', sim: { idempotency: 'ignore', searchLagMs: 2000 }, lag: '2500' },
];

const ticketOf = (x) => x.json?.data?.id;
const isCreate = (x) => x.json?.type === 'leg.create';

for (const v of variants) {
  test(`a supplier down, rate-limited, failing, then back: backlog drains in order (${v.name})`, async () => {
    const s = await startStack({
      config: {
        KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '5000', KETEN_DISPATCH_INTERVAL_MS: '100',
        KETEN_BREAKER_FAILURES: '3', KETEN_BREAKER_OPEN_MS: '2000', KETEN_BREAKER_OPEN_MAX_MS: '4000',
        KETEN_SUPPLIER_SEARCH_LAG_MS: v.lag,
      },
      sim: { hostco: v.sim },
    });
    try {
      const sick = s.sims.hostco, well = s.sims.netco;
      // The other supplier: a ticket delivered promptly, in each phase.
      let flowing = 0;
      const checkFlowing = async (phase) => {
        const t0 = Date.now();
        const id = await fileTicketId(s, 'vpn', `flowing ${phase}`, 3, 2);
        await eventually(async () => (await well.tickets()).some((x) => x.keten_ticket === id), 5000,
          `netco's ticket during ${phase}`);
        assert.ok(Date.now() - t0 < 5000);
        flowing++;
      };

      // Down.
      await sick.mode({ mode: 'status', status: 503 });
      const backlog = [];
      for (let i = 0; i < BACKLOG; i++) backlog.push(await fileTicketId(s, 'hosting', `backlog ${i}`, 3, 2));
      await checkFlowing('the outage');
      await eventually(async () => (await sick.received()).length >= 3, 15000, 'calls to the down supplier');
      await eventually(() => /circuit of supplier \\?"hostco\\?" open/.test(s.log.text), 15000,
        'the circuit opening on the outage');

      // Rate-limited: every answer asks for RETRY_AFTER_S seconds.
      await sick.mode({ mode: 'status', status: 429, retry_after: String(RETRY_AFTER_S) });
      await eventually(async () => (await sick.received()).some((x) => x.answered === 429), 15000,
        'a 429 (after the open circuit let a probe through)');
      await checkFlowing('the rate limit');
      // Long enough for one pause to run out and the next wave to be told again.
      await eventually(async () => {
        const got = (await sick.received()).filter((x) => x.answered === 429);
        return got.length >= 2 && got[got.length - 1].at - got[0].at >= RETRY_AFTER_S * 1000;
      }, 20000, 'a second wave of 429s after the first pause');

      // A burst of 500s, until its circuit is open; a P1 comes in meanwhile.
      await sick.mode({ mode: 'status', status: 500 });
      const opened = s.log.text.match(/circuit of supplier \\?"hostco\\?" open/g)?.length || 0;
      await eventually(() => (s.log.text.match(/circuit of supplier \\?"hostco\\?" open/g)?.length || 0) > opened,
        20000, 'the circuit opening on the 500s');
      await checkFlowing('the 500s');
      const p1 = await fileTicketId(s, 'hosting', 'urgent during the backlog', 1, 1);

      // Recovery.
      const recovered = Date.now();
      await sick.mode({ mode: 'normal' });
      for (const id of [p1, ...backlog]) {
        await eventually(async () => (await sick.tickets()).some((x) => x.keten_ticket === id), 60000,
          `the delivery of ${id} after recovery`);
      }
      await checkFlowing('the drain');
      await dispatchRounds(s);

      const received = await sick.received();
      // Retry-After honoured: after each 429 (asking for RETRY_AFTER_S), no
      // request reached the supplier until it ran out, except those already
      // on their way.
      const answered429 = received.filter((x) => x.answered === 429);
      assert.ok(answered429.length >= 2);
      for (const r of answered429) {
        const early = received.filter((x) => x.at > r.at + IN_FLIGHT_SLACK_MS &&
          x.at < r.at + RETRY_AFTER_S * 1000);
        assert.equal(early.length, 0, `requests ${early.map((x) => x.at - r.at).join(', ')} ms after a 429`);
      }
      // The P1 went out before the backlog's P4s after recovery.
      const after = received.filter((x) => x.at >= recovered && isCreate(x) && x.answered >= 200 && x.answered < 300);
      const firstP1 = after.findIndex((x) => ticketOf(x) === p1);
      assert.ok(firstP1 >= 0, 'the P1 create after recovery');
      const p4Before = after.slice(0, firstP1).filter((x) => backlog.includes(ticketOf(x)));
      assert.equal(p4Before.length, 0, `${p4Before.length} backlog creates went before the P1`);
      // Drained, exactly once each.
      const tickets = await sick.tickets();
      for (const id of [p1, ...backlog]) {
        assert.equal(tickets.filter((x) => x.keten_ticket === id).length, 1, `one supplier ticket for ${id}`);
      }
      assert.equal(flowing, 4);
    } finally {
      await s.stop();
    }
  });
}
