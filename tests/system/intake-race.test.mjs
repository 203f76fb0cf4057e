// intake-race.test.mjs - a ticket filed while chain imports move its
// service's version is routed by the version it is stamped with. Intake
// plans the route in one statement and writes in another, without a
// transaction around them (store/rule_intake.c): the write inserts only
// while the version is still the planned one, else it routes again. Here
// every import flips where component vpn goes (netco <-> hostco), and
// tickets are filed meanwhile: each must have its one leg at the supplier
// its own chain version names, and none may be lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack, chainDoc, psql, writeChain } from './lib/harness.mjs';

const run = promisify(execFile);

test('tickets filed during chain imports are routed by the version they carry', async () => {
  const s = await startStack({ config: { KETEN_DISPATCH: '0' } });
  try {
    const file = path.join(s.dir, 'flip.json');
    const docFor = (to) => {
      const doc = chainDoc(s.sims);
      doc.services[0].components[0].children[0].supplier = to;
      return doc;
    };
    const imports = (async () => {
      for (let i = 0; i < 12; i++) {
        writeChain(file, docFor(i % 2 === 0 ? 'hostco' : 'netco'), 0);
        await run(process.env.KETEN_BIN, ['chain', 'import', file],
          { env: { ...process.env, ...s.env } });
      }
    })();
    const filed = [];
    const filing = (async () => {
      for (let i = 0; i < 60; i++) {
        const batch = await Promise.all([0, 1, 2, 3].map((j) => s.api('POST', '/v1/tickets', {
          key: s.keys.acme, body: { service: s.services['acme-workplace'], type: 'incident',
            summary: `race ${i}.${j}`, description: '', impact: 2, urgency: 2, component: 'vpn' } })));
        for (const r of batch) {
          assert.ok(r.status === 201 || (r.status === 409 && r.json.error.code === 'chain_changing'),
            `${r.status} ${r.text}`);
          if (r.status === 201) filed.push(r.json.id);
        }
      }
    })();
    await Promise.all([imports, filing]);
    assert.ok(filed.length >= 200, `${filed.length} of 240 tickets filed`);
    // v1 (the stack's own import) and every odd version route vpn to
    // netco; the flips make every even version route it to hostco.
    const rows = (await psql(s.db, `SELECT t.chain_version, sp.key, count(*) OVER (PARTITION BY t.id)
      FROM tickets t JOIN legs l ON l.ticket_id = t.id JOIN suppliers sp ON sp.id = l.supplier_id
      WHERE t.id IN (${filed.map((id) => `'${id}'`).join(',')})`)).split('\n');
    assert.equal(rows.length, filed.length, 'one leg per ticket');
    const versions = new Set();
    for (const row of rows) {
      const [version, supplier, legs] = row.split('|');
      versions.add(version);
      assert.equal(legs, '1');
      assert.equal(supplier, Number(version) % 2 === 1 ? 'netco' : 'hostco',
        `a ticket of chain version ${version} went to ${supplier}`);
    }
    assert.ok(versions.size >= 2, `tickets of ${versions.size} versions: the race did not happen`);
  } finally {
    await s.stop();
  }
});
