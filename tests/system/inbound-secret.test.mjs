// inbound-secret.test.mjs - a supplier's pushes are checked with its own
// inbound secret when its chain entry names one (`inbound.secret_ref`),
// not with the secret Keten signs its calls to it with: a push signed with
// the call secret is refused 401 and changes nothing; one signed with the
// inbound secret is applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chainDoc, eventually, secret } from './lib/harness.mjs';
import { fileTicket, ticketOf } from './lib/tickets.mjs';

test('a push is checked with the inbound secret of the supplier entry', async () => {
  const push = secret();
  const s = await startStack({
    config: { KETEN_SECRET_PUSH_NETCO: push },
    chain: (sims) => {
      const doc = chainDoc(sims);
      doc.suppliers[0].inbound = { secret_ref: 'env:KETEN_SECRET_PUSH_NETCO' };
      return doc;
    },
  });
  try {
    const t = await fileTicket(s, 'vpn', 'pushed with its own secret');
    const leg = (await eventually(async () => (await s.sims.netco.tickets())
      .find((x) => x.keten_ticket === t.id), 15000, 'the netco ticket')).leg_id;
    const wrong = await s.sims.netco.send({ leg_id: leg, status: 'in_progress' });
    assert.equal(wrong.status, 401, 'the call secret does not sign pushes');
    assert.equal((await ticketOf(s, t.id)).legs[0].status, 'new');
    const right = await s.sims.netco.send({ leg_id: leg, status: 'in_progress', secret: push });
    assert.equal(right.status, 200, JSON.stringify(right.body));
    assert.equal(right.body.result, 'applied');
    assert.equal((await ticketOf(s, t.id)).legs[0].status, 'in_progress');
  } finally {
    await s.stop();
  }
});
