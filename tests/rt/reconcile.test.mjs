// reconcile.test.mjs - `keten reconcile` lists the tickets of a real RT
// (issue 16): the ticket Keten made through the broker is known; one
// Keten's RT user made with a reference Keten no longer knows (as after a
// restore) is reported with that reference; one an agent made with a
// reference is not Keten's and is not listed. The RT is shared with the
// suite's other files, whose tickets Keten's user made too: only these
// three are asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startStack, certs, keten } from '../system/lib/harness.mjs';
import { env, agent, mapping, send, polledRtChain, fileToRt } from './lib.mjs';

// A ticket made in RT (as Keten's user, or as `as`) carrying reference.
const make = async (reference, as) => {
  const res = await send({ method: 'POST', url: `${env.RT_URL}/REST/2.0/ticket`,
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({
      Queue: mapping.queues.incident, Subject: 'made before the restore',
      CustomFields: { [mapping.reference_field]: reference } }) }, as);
  assert.equal(res.status, 201, res.body);
  return String(res.json.id);
};

test('reconcile reports a ticket of Keten\'s RT user with a reference Keten does not know', async () => {
  const s = await startStack({ chain: polledRtChain(), config: { KETEN_SECRET_RT_TOKEN: env.RT_TOKEN } });
  try {
    const { leg } = await fileToRt(s, 'known to Keten');
    const forgotten = randomUUID();
    const unknown = await make(forgotten);
    const agents = await make(randomUUID(), agent);

    const r = keten(['reconcile', '--supplier', 'netco', '--dry-run'], { ...s.env,
      KETEN_SUPPLIER_CA: certs().ca, KETEN_SECRET_RT_TOKEN: env.RT_TOKEN, KETEN_SECRET_NETCO: s.secrets.netco });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^  netco: \d+ ticket\(s\) listed, \d+ unknown to Keten$/m);
    assert.match(r.stdout, new RegExp(`^    netco ticket ${unknown} \\(reference ${forgotten}\\) unknown to Keten$`, 'm'));
    assert.doesNotMatch(r.stdout, new RegExp(`netco ticket ${leg.external_id} `));
    assert.doesNotMatch(r.stdout, new RegExp(`netco ticket ${agents} `));
  } finally {
    await s.stop();
  }
});
