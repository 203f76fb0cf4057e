// inbound.test.mjs - RT to Keten end to end: a broker whose supplier netco
// is the real RT of tests/rt/setup.sh through the `rt` adapter, polled
// (RT has no webhooks). An RT agent taking the ticket up and resolving it
// in RT moves the leg, and the customer's one status, through polling;
// Keten's own writes to RT (the create, a comment) come back as nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from '../system/lib/harness.mjs';
import { env, agentDoes, polledRtChain, fileToRt } from './lib.mjs';

describe('RT to Keten by polling', () => {
  let s;
  before(async () => {
    s = await startStack({ chain: polledRtChain(),
      config: { KETEN_SECRET_RT_TOKEN: env.RT_TOKEN, KETEN_POLL_TICK_MS: '200' } });
  });
  after(async () => { await s.stop(); });

  const view = async (id, key) => (await s.api('GET', `/v1/tickets/${id}`, { key })).json;

  test('an agent\'s status changes in RT come back; Keten\'s own writes do not', async () => {
    const { id, leg } = await fileToRt(s, 'VPN flaps every hour');
    // Keten's own comment, written in RT by Keten's RT user, is no update.
    const c = await s.api('POST', `/v1/tickets/${id}/comments`, { key: s.keys.acme,
      body: { text: 'Still flapping at 11:00.' } });
    assert.equal(c.status, 201, c.text);

    await agentDoes('PUT', `/ticket/${leg.external_id}`, { Status: 'open' });
    await eventually(async () => (await view(id, s.keys.integrator)).legs[0].status === 'in_progress',
      20000, 'the leg in progress (polled)');
    assert.equal((await view(id, s.keys.acme)).status, 'in_progress');

    await agentDoes('PUT', `/ticket/${leg.external_id}`, { Status: 'resolved' });
    await eventually(async () => (await view(id, s.keys.integrator)).legs[0].status === 'resolved',
      20000, 'the leg resolved (polled)');
    const v = await view(id, s.keys.integrator);
    const updates = v.timeline.filter((e) => e.kind === 'supplier_update' && e.leg_id === leg.id);
    assert.deepEqual(updates.map((e) => e.data.to), ['in_progress', 'resolved'],
      'each change once, none of Keten\'s own');
  });
});
