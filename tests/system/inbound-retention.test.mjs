// inbound-retention.test.mjs - remembered inbound delivery ids are purged
// after inbound_retention_s by the housekeeping sweep of any node, the
// ones still within it are kept (a repeat of one is still a duplicate),
// and a retention that does not exceed the signature window is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, psql, keten, certs } from './lib/harness.mjs';
import { fileTicket } from './lib/tickets.mjs';

test('delivery ids past their retention are forgotten; newer ones still refuse a repeat', async () => {
  const s = await startStack();
  let b;
  try {
    const t = await fileTicket(s, 'vpn', 'retention');
    const leg = (await eventually(async () => (await s.sims.netco.tickets())
      .find((x) => x.keten_ticket === t.id), 15000, 'the netco ticket')).leg_id;
    const old = await s.sims.netco.send({ leg_id: leg, status: 'in_progress', webhook_id: 'msg_retention_old' });
    assert.equal(old.body.result, 'applied', JSON.stringify(old.body));
    const kept = await s.sims.netco.send({ leg_id: leg, comment: 'still here', webhook_id: 'msg_retention_kept' });
    assert.equal(kept.body.result, 'applied', JSON.stringify(kept.body));
    // The first came eight days ago as far as the database knows: past the
    // default retention of seven days. A node started now sweeps at once.
    await psql(s.db, "UPDATE inbound_deliveries SET received_at = now() - interval '8 days'"
      + " WHERE webhook_id = 'msg_retention_old'");
    b = await startNode(s, 'sweeper');
    await eventually(async () => !(await psql(s.db,
      "SELECT 1 FROM inbound_deliveries WHERE webhook_id = 'msg_retention_old'")).trim(),
    15000, 'the old delivery id purged');
    assert.equal((await psql(s.db, 'SELECT webhook_id FROM inbound_deliveries ORDER BY 1')).trim(),
      'msg_retention_kept', 'only the old id went');
    const again = await s.sims.netco.send({ leg_id: leg, comment: 'still here', webhook_id: 'msg_retention_kept' });
    assert.equal(again.status, 200);
    assert.equal(again.body.result, 'duplicate', JSON.stringify(again.body));
    await b.stop();
  } finally {
    await s.stop();
  }
});

test('a retention within the signature window is refused at start', () => {
  const r = keten(['serve', '--listen', '127.0.0.1:0'], {
    KETEN_DATABASE_URL: 'postgresql:///nowhere', KETEN_TLS_CERT: certs().cert,
    KETEN_TLS_KEY: certs().key, KETEN_INBOUND_RETENTION_S: '600',
    KETEN_WEBHOOK_TOLERANCE_S: '300' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /inbound_retention_s \(600\) must exceed twice webhook_tolerance_s \(300\)/);
});
