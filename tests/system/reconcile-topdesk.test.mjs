// reconcile-topdesk.test.mjs - `keten reconcile` asks a TOPdesk
// (topdesk-sim) for the incidents whose externalNumber is set, of every
// line, page by page (issue 16): the incident Keten made is known, one
// carrying a leg id Keten no longer knows (as after a restore) is reported
// and left alone, and the incidents of another integration (an
// externalNumber that is no uuid), a full first page of them, are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { certs, eventually, keten, psql, request } from './lib/harness.mjs';
import { KEY, PASSWORD, CALLER, startTopdesk, stopTopdesk } from './lib/topdesk.mjs';

test('reconcile reports the TOPdesk incidents carrying a reference Keten does not know', async () => {
  const { s, sim } = await startTopdesk();
  try {
    const make = async (body) => {
      const r = await request(sim.url, 'POST', '/tas/api/incidents', { body: { callerLookup: { id: CALLER }, ...body },
        headers: { authorization: `Basic ${Buffer.from(`keten:${PASSWORD}`).toString('base64')}` } });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    };
    const filed = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-desk'], type: 'incident', summary: 'known to Keten', description: 'filed before the backup', impact: 2,
      urgency: 1 } });
    assert.equal(filed.status, 201, filed.text);
    const known = await eventually(async () => psql(s.db, 'SELECT l.external_id FROM legs l' +
      ` JOIN suppliers p ON p.id = l.supplier_id WHERE l.ticket_id = '${filed.json.id}'` +
      ` AND p.key = '${KEY}' AND l.external_id IS NOT NULL`), 20000, 'the leg linked');
    // A full first page (100) of another integration's incidents, then ours.
    for (let i = 0; i < 100; i++) await make({ briefDescription: `other ${i}`, externalNumber: `OTHER-${i}` });
    await make({ briefDescription: 'no reference at all' });
    const forgotten = randomUUID();
    const unknown = await make({ briefDescription: 'made before the restore', externalNumber: forgotten });
    await sim.control('POST', '/_sim/change', { incident: unknown, line: 'secondLineArchived', push: false });

    const env = { ...s.env, KETEN_SECRET_TOPDESK_PASSWORD: PASSWORD, KETEN_SUPPLIER_CA: certs().ca };
    const r = keten(['reconcile', '--supplier', KEY, '--dry-run'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^  ${KEY}: 2 ticket\\(s\\) listed, 1 unknown to Keten$`, 'm'));
    assert.match(r.stdout, new RegExp(`^    ${KEY} ticket ${unknown} \\(reference ${forgotten}\\) unknown to Keten$`, 'm'));
    assert.doesNotMatch(r.stdout, new RegExp(known));
  } finally {
    await stopTopdesk(s, sim);
  }
});
