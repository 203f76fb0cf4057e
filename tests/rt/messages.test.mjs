// messages.test.mjs - RT to Keten end to end, the messages: an RT agent's
// reply (Correspond) and comment (Comment) on a ticket Keten created come
// back through polling, each exactly once however often the overlap
// window reads them again; the customer sees the reply, never the
// comment; a status change still comes back; Keten's own comment does not.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from '../system/lib/harness.mjs';
import { env, agentDoes, polledRtChain, fileToRt } from './lib.mjs';

// Two transactions a page, so that listing and message pages alternate.
const polledRt = polledRtChain({ page_size: 2 });

describe('RT messages to Keten by polling', () => {
  let s;
  before(async () => {
    s = await startStack({ chain: polledRt,
      config: { KETEN_SECRET_RT_TOKEN: env.RT_TOKEN, KETEN_POLL_TICK_MS: '200' } });
  });
  after(async () => { await s.stop(); });

  const view = async (id, key) => (await s.api('GET', `/v1/tickets/${id}`, { key })).json;
  const count = (v, text) => v.timeline.filter((e) => e.data?.text === text).length;

  test('an agent\'s reply and comment come back once each, with the right visibility', async () => {
    const { id, leg } = await fileToRt(s, 'VPN drops on the train');
    const ours = 'Happens near the tunnel only.';
    const c = await s.api('POST', `/v1/tickets/${id}/comments`, { key: s.keys.acme,
      body: { text: ours } });
    assert.equal(c.status, 201, c.text);

    const reply = 'We are looking into it — a new VPN profile is on its way.';
    const note = 'Internal: the concentrator in Utrecht logs resets.';
    await agentDoes('POST', `/ticket/${leg.external_id}/correspond`,
      { Content: reply, ContentType: 'text/plain' });
    await agentDoes('POST', `/ticket/${leg.external_id}/comment`,
      { Content: note, ContentType: 'text/plain' });
    await eventually(async () => {
      const v = await view(id, s.keys.integrator);
      return count(v, reply) >= 1 && count(v, note) >= 1;
    }, 20000, 'the reply and the comment back (polled)');

    await agentDoes('PUT', `/ticket/${leg.external_id}`, { Status: 'resolved' });
    await eventually(async () => (await view(id, s.keys.integrator)).legs[0].status === 'resolved',
      20000, 'the leg resolved (polled)');
    // The overlap window (5 s, polls every 500 ms) reads them again and
    // again: still once each.
    await new Promise((res) => setTimeout(res, 2000));
    const v = await view(id, s.keys.integrator);
    assert.equal(count(v, reply), 1, 'the reply once');
    assert.equal(count(v, note), 1, 'the comment once');
    assert.equal(count(v, ours), 1, 'Keten\'s own comment not read back');
    const customer = JSON.stringify(await view(id, s.keys.acme));
    assert.ok(customer.includes(reply), 'the customer sees the reply');
    assert.ok(!customer.includes(note), 'never the comment');
    assert.equal((await view(id, s.keys.acme)).status, 'resolved');
  });
});
