// nodes.test.mjs - two broker processes on one database: an API-only node
// takes the ticket, and the delivering node is woken by its coalesced
// NOTIFY long before its own sweep would find the work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, request } from './lib/harness.mjs';

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
