// messages.test.mjs - RT to Keten end to end, the messages: an RT agent's
// reply (Correspond) and comment (Comment) on a ticket Keten created come
// back through polling, each exactly once however often the overlap
// window reads them again; the customer sees the reply, never the
// comment; a status change still comes back; Keten's own comment does not.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, chainDoc } from '../system/lib/harness.mjs';
import { ticketBody } from '../system/lib/tickets.mjs';
import { env, mapping, agentDoes } from './lib.mjs';

// The system tests' chain with netco replaced by the polled RT; two
// transactions a page, so that listing and message pages alternate.
function polledRt(sims) {
  const doc = chainDoc(sims);
  doc.suppliers[0] = { key: 'netco', name: 'NetCo RT', adapter: 'rt', endpoint: env.RT_URL,
    secret_ref: 'env:KETEN_SECRET_NETCO',
    auth: { kind: 'bearer', scheme: 'token', secret_ref: 'env:KETEN_RT_TOKEN' },
    poll: { interval_ms: 500, overlap_ms: 5000 },
    mapping: { ...mapping, queues: { incident: mapping.queues.incident }, page_size: 2 } };
  return doc;
}

describe('RT messages to Keten by polling', () => {
  let s;
  before(async () => {
    s = await startStack({ chain: polledRt,
      config: { KETEN_RT_TOKEN: env.RT_TOKEN, KETEN_POLL_TICK_MS: '200' } });
  });
  after(async () => { await s.stop(); });

  const view = async (id, key) => (await s.api('GET', `/v1/tickets/${id}`, { key })).json;
  const count = (v, text) => v.timeline.filter((e) => e.data?.text === text).length;

  test('an agent\'s reply and comment come back once each, with the right visibility', async () => {
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
      body: ticketBody(s, { component: 'vpn', summary: 'VPN drops on the train' }) });
    assert.equal(r.status, 201, r.text);
    const leg = await eventually(async () => {
      const v = await view(r.json.id, s.keys.integrator);
      return v.legs[0]?.external_id ? v.legs[0] : null;
    }, 20000, 'the create delivered to RT');
    const ours = 'Happens near the tunnel only.';
    const c = await s.api('POST', `/v1/tickets/${r.json.id}/comments`, { key: s.keys.acme,
      body: { text: ours } });
    assert.equal(c.status, 201, c.text);

    const reply = 'We are looking into it — a new VPN profile is on its way.';
    const note = 'Internal: the concentrator in Utrecht logs resets.';
    await agentDoes('POST', `/ticket/${leg.external_id}/correspond`,
      { Content: reply, ContentType: 'text/plain' });
    await agentDoes('POST', `/ticket/${leg.external_id}/comment`,
      { Content: note, ContentType: 'text/plain' });
    await eventually(async () => {
      const v = await view(r.json.id, s.keys.integrator);
      return count(v, reply) >= 1 && count(v, note) >= 1;
    }, 20000, 'the reply and the comment back (polled)');

    await agentDoes('PUT', `/ticket/${leg.external_id}`, { Status: 'resolved' });
    await eventually(async () => (await view(r.json.id, s.keys.integrator)).legs[0].status === 'resolved',
      20000, 'the leg resolved (polled)');
    // The overlap window (5 s, polls every 500 ms) reads them again and
    // again: still once each.
    await new Promise((res) => setTimeout(res, 2000));
    const v = await view(r.json.id, s.keys.integrator);
    assert.equal(count(v, reply), 1, 'the reply once');
    assert.equal(count(v, note), 1, 'the comment once');
    assert.equal(count(v, ours), 1, 'Keten\'s own comment not read back');
    const customer = JSON.stringify(await view(r.json.id, s.keys.acme));
    assert.ok(customer.includes(reply), 'the customer sees the reply');
    assert.ok(!customer.includes(note), 'never the comment');
    assert.equal((await view(r.json.id, s.keys.acme)).status, 'resolved');
  });
});
