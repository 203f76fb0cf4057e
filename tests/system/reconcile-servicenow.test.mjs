// reconcile-servicenow.test.mjs - `keten reconcile` asks a ServiceNow
// instance (servicenow-sim) for the records that carry Keten's correlation
// (issue 16): the one Keten made is known, one made with a reference Keten
// no longer knows (as after a restore) is reported and left alone, and a
// record of another integration (another correlation_display) is not
// listed at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { certs, keten, request } from './lib/harness.mjs';
import { PASSWORD, snowTickets, startSnow, stopSnow } from './lib/servicenow.mjs';

test('reconcile reports the ServiceNow records carrying a reference Keten does not know', async () => {
  const { s, sn } = await startSnow();
  try {
    const t = snowTickets(() => s);
    const ticket = await t.fileTicket('incident', 'known to Keten');
    const leg = await t.deliveredLeg(ticket);
    const make = async (body) => {
      const r = await request(sn.url, 'POST', '/api/now/table/incident', { body,
        headers: { authorization: `Basic ${Buffer.from(`svc.keten:${PASSWORD}`).toString('base64')}`,
          accept: 'application/json' } });
      assert.equal(r.status, 201, r.text);
      return r.json.result.sys_id;
    };
    const forgotten = randomUUID();
    const unknown = await make({ short_description: 'made before the restore', correlation_display: 'Keten',
      correlation_id: forgotten });
    await make({ short_description: 'another integration', correlation_display: 'Other', correlation_id: 'X-1' });

    const env = { ...s.env, KETEN_SECRET_SNOW: PASSWORD, KETEN_SUPPLIER_CA: certs().ca };
    const r = keten(['reconcile', '--supplier', 'snow', '--dry-run'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^  snow: 2 ticket\(s\) listed, 1 unknown to Keten$/m);
    assert.match(r.stdout, new RegExp(`^    snow ticket ${unknown} \\(reference ${forgotten}\\) unknown to Keten$`, 'm'));
    assert.doesNotMatch(r.stdout, new RegExp(leg.external));
    assert.match(r.stdout, /^  snow: push only: /m);
  } finally {
    await stopSnow(s, sn);
  }
});
