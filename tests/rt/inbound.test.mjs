// inbound.test.mjs - RT to Keten end to end: a broker whose supplier netco
// is the real RT of tests/rt/setup.sh through the `rt` adapter, polled
// (RT has no webhooks). An RT agent taking the ticket up and resolving it
// in RT moves the leg, and the customer's one status, through polling;
// Keten's own writes to RT (the create, a comment) come back as nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, chainDoc } from '../system/lib/harness.mjs';
import { ticketBody } from '../system/lib/tickets.mjs';
import { env, mapping, agentDoes } from './lib.mjs';

// The system tests' chain with netco replaced by the polled RT.
function polledRt(sims) {
  const doc = chainDoc(sims);
  doc.suppliers[0] = { key: 'netco', name: 'NetCo RT', adapter: 'rt', endpoint: env.RT_URL,
    secret_ref: 'env:KETEN_SECRET_NETCO',
    auth: { kind: 'bearer', scheme: 'token', secret_ref: 'env:KETEN_RT_TOKEN' },
    poll: { interval_ms: 500, overlap_ms: 5000, page_size: 5 },
    mapping: { ...mapping, queues: { incident: mapping.queues.incident } } };
  return doc;
}

describe('RT to Keten by polling', () => {
  let s;
  before(async () => {
    s = await startStack({ chain: polledRt,
      config: { KETEN_RT_TOKEN: env.RT_TOKEN, KETEN_POLL_TICK_MS: '200' } });
  });
  after(async () => { await s.stop(); });

  const view = async (id, key) => (await s.api('GET', `/v1/tickets/${id}`, { key })).json;

  test('an agent\'s status changes in RT come back; Keten\'s own writes do not', async () => {
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
      body: ticketBody(s, { component: 'vpn', summary: 'VPN flaps every hour' }) });
    assert.equal(r.status, 201, r.text);
    const leg = await eventually(async () => {
      const v = await view(r.json.id, s.keys.integrator);
      return v.legs[0]?.external_id ? v.legs[0] : null;
    }, 20000, 'the create delivered to RT');
    // Keten's own comment, written in RT by Keten's RT user, is no update.
    const c = await s.api('POST', `/v1/tickets/${r.json.id}/comments`, { key: s.keys.acme,
      body: { text: 'Still flapping at 11:00.' } });
    assert.equal(c.status, 201, c.text);

    await agentDoes('PUT', `/ticket/${leg.external_id}`, { Status: 'open' });
    await eventually(async () => (await view(r.json.id, s.keys.integrator)).legs[0].status === 'in_progress',
      20000, 'the leg in progress (polled)');
    assert.equal((await view(r.json.id, s.keys.acme)).status, 'in_progress');

    await agentDoes('PUT', `/ticket/${leg.external_id}`, { Status: 'resolved' });
    await eventually(async () => (await view(r.json.id, s.keys.integrator)).legs[0].status === 'resolved',
      20000, 'the leg resolved (polled)');
    const v = await view(r.json.id, s.keys.integrator);
    const updates = v.timeline.filter((e) => e.kind === 'supplier_update' && e.leg_id === leg.id);
    assert.deepEqual(updates.map((e) => e.data.to), ['in_progress', 'resolved'],
      'each change once, none of Keten\'s own');
  });
});
