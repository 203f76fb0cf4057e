// nodes.test.mjs - two broker processes on one database: an API-only node
// takes the ticket, and the delivering node is woken by its coalesced
// NOTIFY long before its own sweep would find the work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, request, psql } from './lib/harness.mjs';

test('an API-only node announces work; a delivering node is woken by it', async () => {
  // The stack's own broker sweeps only every 10 minutes: it finds work only
  // when woken.
  const s = await startStack({ config: { KETEN_DISPATCH_INTERVAL_MS: '600000' } });
  const api = await startNode(s, 'api-only', { KETEN_DISPATCH: '0' });
  try {
    await eventually(async () => /listen session|keten serving/.test(s.log.text), 5000, 'start');
    for (let i = 0; i < 3; i++) {
      const r = await request(api.url, 'POST', '/v1/tickets', { key: s.keys.acme, body: {
        service: s.services['acme-workplace'], type: 'incident', summary: `via the api node ${i}`,
        description: '', impact: 2, urgency: 2, component: 'vpn' } });
      assert.equal(r.status, 201, r.text);
      await eventually(async () => (await s.sims.netco.tickets()).some((x) => x.keten_ticket === r.json.id),
        20000, 'the delivering node to be woken and deliver');
    }
    assert.doesNotMatch(api.log(), /"msg":"delivery/, 'the API-only node delivers nothing');
  } finally {
    await api.stop();
    await s.stop();
  }
});

// Issue 9, bug 2: every node's breaker credits its open periods to the
// supplier's pending messages. Each instant of waiting is credited once
// however many nodes' circuits were open at it, so the stored credit never
// exceeds the time since the first attempt and the message is dead-lettered
// near its budget (before, two nodes credited each wait twice and the
// budget ran backwards). Lower bounds and generous ceilings only. How
// long the budget takes to end is the second it allows divided by what each
// probe leaves uncredited (the time from a circuit's half-open to the
// probe's failure, when the other node's circuit is closed too): the faster
// a node claims and records, the longer. 54 s here before commits stopped
// waiting on the notification lock (migration 037), 78 s after; hence a
// ceiling of 3 minutes.
test('two nodes credit an open circuit once: the budget still ends', async () => {
  const config = {
    KETEN_BREAKER_FAILURES: '1', KETEN_BREAKER_OPEN_MS: '1000', KETEN_BREAKER_OPEN_MAX_MS: '1000',
    KETEN_SUPPLIER_RETRY_BUDGET_S: '1', KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
    KETEN_RETRY_BASE_MS: '50', KETEN_RETRY_MAX_MS: '200', KETEN_DISPATCH_INTERVAL_MS: '100',
  };
  const s = await startStack({ config });
  const other = await startNode(s, 'second', config);
  try {
    await s.sims.hostco.mode({ mode: 'status', status: 503 });
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-workplace'], type: 'incident', summary: 'down on two nodes',
      description: '', impact: 2, urgency: 2, component: 'hosting' } });
    assert.equal(r.status, 201, r.text);
    const row = async () => (await psql(s.db, `SELECT o.state, o.paused_ms,
        (extract(epoch FROM now() - o.first_attempt_at) * 1000)::bigint
      FROM outbox o JOIN legs l ON l.id = o.leg_id
      WHERE l.ticket_id = '${r.json.id}' AND o.operation = 'create'`)).split('|');
    let most = 0;
    const state = await eventually(async () => {
      const [st, paused, since] = await row();
      if (since) {
        most = Math.max(most, Number(paused) - Number(since));
        assert.ok(Number(paused) <= Number(since) + 500,
          `credited ${paused} ms of waiting in ${since} ms since the first attempt`);
      }
      return st === 'dead' && st;
    }, 180000, 'the dead letter within a generous bound of the 1 s budget');
    assert.equal(state, 'dead');
    assert.ok(most <= 500, `the credit ran ${most} ms ahead of the time`);
    assert.match(s.log.text + other.log(), /circuit of supplier \\?"hostco\\?" open/);
  } finally {
    await other.stop();
    await s.stop();
  }
});
