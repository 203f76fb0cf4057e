// upgrade.test.mjs - the rolling upgrade of README "Migrations while older
// nodes serve": a database migrated and served by the previous release
// (KETEN_BIN, built by run.sh) is migrated by this release (KETEN_NEW_BIN)
// while the old node takes tickets; then both releases serve side by side,
// then the new one alone. Every ticket is stored and reaches its supplier
// exactly once, comments too, whichever node took it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startStack, startNode, eventually, request, psql, dbUrl, chainDoc, writeChain } from '../system/lib/harness.mjs';

const NEW = process.env.KETEN_NEW_BIN;
const version = (bin) => {
  try { return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return 'keten (no --version)'; }
};

test(`a database of ${process.env.KETEN_PREV_TAG} upgrades while its node serves; both releases then share the work`, async () => {
  assert.ok(NEW, 'KETEN_NEW_BIN names this tree\'s binary');
  // The previous release knows no allow_addresses: its chain has none.
  const s = await startStack({ plainChain: true });
  const taken = [];
  const post = async (url, label) => {
    const r = await request(url, 'POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-workplace'], type: 'incident', summary: `upgrade ${label} ${taken.length}`,
      description: '', impact: 2, urgency: 2, component: 'vpn' } });
    assert.equal(r.status, 201, `${label}: ${r.text}`);
    const c = await request(url, 'POST', `/v1/tickets/${r.json.id}/comments`, { key: s.keys.acme,
      body: { text: `comment on ${label} ${taken.length}` } });
    assert.equal(c.status, 201, `${label} comment: ${c.text}`);
    taken.push(r.json.id);
  };
  let newNode;
  try {
    for (let i = 0; i < 5; i++) await post(s.url, 'old');

    // Migrate with the new release while the old node keeps taking tickets.
    let stop = false;
    const load = (async () => { while (!stop) await post(s.url, 'old-during-migrate'); })();
    const migrated = execFileSync(NEW, ['migrate'], { env: { ...process.env, KETEN_DATABASE_URL: dbUrl(s.db) },
      encoding: 'utf8' });
    stop = true;
    await load;
    assert.match(migrated, /migration\(s\) applied/);
    // This release calls a loopback supplier only when its chain entry
    // allows it (README "Security"): the operator's step of the upgrade.
    const file = path.join(s.dir, 'chain-allow.json');
    writeChain(file, chainDoc(s.sims));
    execFileSync(NEW, ['chain', 'import', file], { env: { ...process.env, KETEN_DATABASE_URL: dbUrl(s.db) },
      encoding: 'utf8' });
    for (let i = 0; i < 3; i++) await post(s.url, 'old-after-migrate');

    newNode = await startNode(s, 'new-release', {}, NEW);
    assert.notEqual(version(NEW), version(process.env.KETEN_BIN), 'two different releases');
    for (let i = 0; i < 10; i++) await post(i % 2 ? s.url : newNode.url, i % 2 ? 'old-beside-new' : 'new-beside-old');

    // The old node leaves; the new one carries on alone.
    s.proc.kill('SIGTERM');
    await new Promise((res) => (s.proc.exitCode !== null ? res() : s.proc.once('exit', res)));
    assert.equal(s.proc.exitCode, 0, s.log.text.slice(-3000));
    for (let i = 0; i < 3; i++) await post(newNode.url, 'new-alone');

    assert.equal(await psql(s.db, `SELECT count(*) FROM tickets`), String(taken.length), 'every 201 is stored');
    const atSupplier = await eventually(async () => {
      const held = (await s.sims.netco.tickets()).filter((x) => taken.includes(x.keten_ticket));
      return held.length >= taken.length && held;
    }, 60000, 'every ticket at netco');
    const once = new Map();
    for (const t of atSupplier) once.set(t.keten_ticket, (once.get(t.keten_ticket) || 0) + 1);
    assert.deepEqual([...once.values()].filter((n) => n !== 1), [], 'each ticket exactly once at the supplier');
    await eventually(async () => (await psql(s.db, `SELECT count(*) FROM outbox WHERE state <> 'done'`)) === '0',
      60000, 'every message (creates and comments) delivered');
    const comments = await psql(s.db, `SELECT count(*) FROM outbox WHERE operation = 'comment' AND state = 'done'`);
    assert.equal(comments, String(taken.length), 'one comment delivered per ticket');
  } finally {
    if (newNode) await newNode.stop();
    await s.stop().catch(() => {});
  }
});
