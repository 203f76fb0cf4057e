// reconcile-tmf621.test.mjs - `keten reconcile` asks TMF621 sellers
// (tmf621-sim, v4 and v5) for the trouble tickets that carry Keten's
// reference (issue 16): the ticket Keten made is known, one carrying a leg
// id Keten no longer knows (as after a restore) is reported and left
// alone; a ticket with another buyer's reference (v4: not a leg id; v5:
// another owner, filtered out by the seller) or none is not listed; the
// v5 listing (page size 2) reads its pages by offset. Every request and
// answer is checked by the simulators against TM Forum's documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startStack, chainDoc, certs, keten, eventually, psql, request, writeChain } from './lib/harness.mjs';
import { startSimProcess, stopSimProcess } from './lib/sim-process.mjs';

const PASSWORD = 'tmf-api-password';

// Suppliers tmf4 and tmf5 at urls[4] and urls[5] (push only, and polled
// with pages of 2), each with a service whose one component it is.
const chainWith = (urls) => (sims) => {
  const doc = chainDoc(sims);
  for (const v of [4, 5]) {
    doc.suppliers.push({ key: `tmf${v}`, name: `Telco v${v}`, adapter: 'tmf621', endpoint: urls[v],
      secret_ref: 'env:KETEN_SECRET_TMF_PASSWORD', auth: { kind: 'basic', username: 'keten' },
      mapping: { version: v, entries: { incident: { ticketType: 'Incident' } } },
      ...(v === 5 ? { poll: { interval_ms: 60000, overlap_ms: 2000, page_size: 2 } } : {}) });
    doc.services.push({ key: `svc-tmf${v}`, customer: 'acme', name: `Line v${v}`, default_component: `line${v}`,
      components: [{ key: `line${v}`, name: `Line v${v}`, kind: 'network', supplier: `tmf${v}` }] });
  }
  return doc;
};

test('reconcile reports the TMF621 tickets carrying a reference Keten does not know', async () => {
  const s = await startStack({ chain: chainWith({ 4: 'https://127.0.0.1:1', 5: 'https://127.0.0.1:1' }),
    config: { KETEN_SECRET_TMF_PASSWORD: PASSWORD, KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '1500',
      KETEN_BREAKER_OPEN_MS: '1000', KETEN_BREAKER_OPEN_MAX_MS: '2000' } });
  const sims = {};
  try {
    for (const v of [4, 5]) {
      rmSync(path.join(s.dir, 'tmf621.port'), { force: true });
      sims[v] = await startSimProcess(s, 'tmf621', ['--api-version', String(v)], { SIM_PASSWORD: PASSWORD });
    }
    const file = path.join(s.dir, 'chain-tmf.json');
    writeChain(file, chainWith({ 4: sims[4].url, 5: sims[5].url })(s.sims));
    const imported = keten(['chain', 'import', file], s.env);
    assert.equal(imported.code, 0, imported.stderr + imported.stdout);

    const known = {};
    for (const v of [4, 5]) {
      const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
        body: { service: s.services[`svc-tmf${v}`], type: 'incident', summary: `known to Keten v${v}`,
          description: 'known', impact: 2, urgency: 2 } });
      assert.equal(r.status, 201, r.text);
      known[v] = await eventually(() => psql(s.db, `SELECT l.external_id FROM legs l JOIN suppliers p ON p.id = l.supplier_id
        WHERE l.ticket_id = '${r.json.id}' AND p.key = 'tmf${v}' AND l.external_id IS NOT NULL`), 20000, `the v${v} leg linked`);
    }
    const make = async (v, ref) => {
      const body = { description: 'made at the seller', severity: 'Major', ticketType: 'Incident',
        ...(v === 4 ? (ref ? { externalId: ref } : {}) : { '@type': 'TroubleTicket',
          ...(ref ? { externalIdentifier: [{ '@type': 'ExternalIdentifier', externalIdentifierType: 'leg', ...ref }] } : {}) }) };
      const r = await request(sims[v].url, 'POST', `/tmf-api/troubleTicket/v${v}/troubleTicket`, { body,
        headers: { authorization: `Basic ${Buffer.from(`keten:${PASSWORD}`).toString('base64')}`, accept: 'application/json',
          'content-type': v === 4 ? 'application/json;charset=utf-8' : 'application/json' } });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    };
    const forgotten4 = randomUUID();
    const unknown4 = await make(4, forgotten4);
    await make(4, 'OTHER-BUYER-1');
    await make(4, null);
    const forgotten5 = [randomUUID(), randomUUID()];
    const unknown5 = [];
    for (const id of forgotten5) unknown5.push(await make(5, { id, owner: 'Keten' }));
    await make(5, { id: randomUUID(), owner: 'Other buyer' });
    await make(5, null);

    const env = { ...s.env, KETEN_SECRET_TMF_PASSWORD: PASSWORD, KETEN_SUPPLIER_CA: certs().ca };
    const r4 = keten(['reconcile', '--supplier', 'tmf4', '--dry-run'], env);
    assert.equal(r4.code, 0, r4.stdout + r4.stderr);
    assert.match(r4.stdout, /^  tmf4: 2 ticket\(s\) listed, 1 unknown to Keten$/m);
    assert.match(r4.stdout, new RegExp(`^    tmf4 ticket ${unknown4} \\(reference ${forgotten4}\\) unknown to Keten$`, 'm'));
    assert.doesNotMatch(r4.stdout, new RegExp(`ticket ${known[4]} `));

    const r5 = keten(['reconcile', '--supplier', 'tmf5', '--dry-run'], env);
    assert.equal(r5.code, 0, r5.stdout + r5.stderr);
    assert.match(r5.stdout, /^  tmf5: 3 ticket\(s\) listed, 2 unknown to Keten$/m);
    for (const [i, id] of unknown5.entries()) {
      assert.match(r5.stdout, new RegExp(`^    tmf5 ticket ${id} \\(reference ${forgotten5[i]}\\) unknown to Keten$`, 'm'));
    }
    assert.doesNotMatch(r5.stdout, new RegExp(`ticket ${known[5]} `));
    const lists = (await sims[5].control('GET', '/_sim/received'))
      .filter((q) => q.method === 'GET' && q.path.includes('externalIdentifier.owner=Keten'));
    assert.deepEqual(lists.map((q) => /offset=(\d+)/.exec(q.path)[1]), ['0', '2'], 'two pages by offset');

    for (const v of [4, 5]) assert.deepEqual(await sims[v].control('GET', '/_sim/violations'), [], `v${v} as the document says`);
  } finally {
    await stopSimProcess(null, sims[5]);
    await stopSimProcess(s, sims[4]);
  }
});
