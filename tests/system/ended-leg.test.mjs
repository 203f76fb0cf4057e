// ended-leg.test.mjs - a supplier whose leg the broker ended sees the
// ticket as it was then (issue 14, finding 3): after a re-route from
// netco to hostco, the customer's later comments reach hostco, and netco
// neither reads them in the ticket (which it may still read) nor finds
// the ticket in its list; what was there before stays readable to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from './lib/harness.mjs';
import { deliveredTicket, view, sent } from './lib/tickets.mjs';

const texts = (v) => v.timeline.map((e) => e.text).filter(Boolean);

test('a re-routed supplier reads nothing recorded after its leg ended, and lists it no more', async () => {
  const s = await startStack();
  try {
    const t = await deliveredTicket(s, { component: 'vpn', summary: 'VPN down' });
    assert.deepEqual(Object.keys(t.legs), ['netco']);
    const comment = (text) => s.api('POST', `/v1/tickets/${t.id}/comments`,
      { key: s.keys.acme, body: { text } });
    assert.equal((await comment('before: it started at 09:00')).status, 201);
    await eventually(async () => texts(await view(s, t, 'netco')).includes('before: it started at 09:00'),
      10000, 'netco reads the first comment');
    const r = await s.api('POST', `/v1/tickets/${t.id}/route`, { key: s.keys.integrator,
      body: { component: 'hosting', reason: 'it is the hosting' } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await comment('after: the admin password is hunter2')).status, 201);

    const hostco = await eventually(async () => {
      const v = await view(s, t, 'hostco');
      return texts(v).includes('after: the admin password is hunter2') && v;
    }, 15000, 'hostco reads the later comment');
    assert.ok(hostco.leg, 'hostco has its leg');
    const netco = await view(s, t, 'netco');
    assert.equal(netco.leg.status, 'cancelled', 'netco sees its leg ended');
    assert.ok(texts(netco).includes('before: it started at 09:00'), 'the history stays');
    assert.ok(!JSON.stringify(netco).includes('hunter2'), 'nothing later reaches netco');
    const list = await s.api('GET', '/v1/tickets?limit=100', { key: s.keys.netco });
    assert.equal(list.status, 200);
    assert.ok(!list.json.items.some((x) => x.id === t.id), 'the ticket left netco\'s list');
    const hostList = await s.api('GET', '/v1/tickets?limit=100', { key: s.keys.hostco });
    assert.ok(hostList.json.items.some((x) => x.id === t.id), 'and is in hostco\'s');
    // nor through any message netco was sent after the re-route
    for (const m of await sent(s, t, 'netco')) assert.ok(!m.body.includes('hunter2'), m.json?.type);
  } finally {
    await s.stop();
  }
});
