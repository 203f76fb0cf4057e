// reconcile.test.mjs - `keten reconcile` after a restore (issue 16). A
// backup is taken while a batch of creates is still pending; the broker
// then delivers them; the backup is restored, so Keten again believes them
// pending while the suppliers hold them. The suppliers here ignore
// Idempotency-Key, so only Keten's own care keeps them free of duplicates:
// reconcile puts those creates in doubt, the dispatcher looks each up by
// Keten's reference and re-links it, and every leg ends linked to exactly
// one supplier ticket. Also: --dry-run changes nothing, an unknown supplier
// and a bad --since are refused, and --since sets the poll cursors back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, keten, psql } from './lib/harness.mjs';
import { backup, linked, post, reconcileEnv, restore } from './lib/restore.mjs';

test('after a restore, reconcile re-links what the suppliers hold and creates nothing twice', async () => {
  const ignore = { idempotency: 'ignore' };
  const s = await startStack({ sim: { netco: ignore, hostco: ignore } });
  let api;
  let node;
  try {
    const early = [await post(s, s, 'before the backup 1'), await post(s, s, 'before the backup 2')];
    await eventually(async () => (await linked(s, early)) === 4, 30000, 'the early tickets delivered');
    s.proc.kill('SIGTERM');
    await new Promise((r) => (s.proc.exitCode !== null ? r() : s.proc.once('exit', r)));

    // Pending creates, then the backup, then they are delivered.
    api = await startNode(s, 'api-only', { KETEN_DISPATCH: '0' });
    const batch = [];
    for (let i = 0; i < 4; i++) batch.push(await post(api, s, `pending at the backup ${i}`));
    assert.equal(await linked(s, batch), 0);
    const dump = backup(s);
    node = await startNode(s, 'deliverer');
    await eventually(async () => (await linked(s, batch)) === 8, 30000, 'the batch delivered after the backup');
    await node.stop();
    await api.stop();
    node = api = null;
    const held = async (sim) => (await sim.tickets()).filter((t) => batch.includes(t.keten_ticket)).length;
    assert.equal(await held(s.sims.netco), 4);
    assert.equal(await held(s.sims.hostco), 4);

    // The restore: Keten again believes the batch pending.
    await restore(s, dump);
    assert.equal(await linked(s, batch), 0, 'restored to before the deliveries');

    let r = keten(['reconcile', '--dry-run'], reconcileEnv(s));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^reconcile: 8 create\(s\) put in doubt/m);
    assert.match(r.stdout, /dry run: nothing changed/);
    for (const id of batch) assert.match(r.stdout, new RegExp(`netco create of ticket ${id}`));
    assert.equal(await psql(s.db, 'SELECT count(*) FROM outbox WHERE in_doubt'), '0', 'a dry run changes nothing');

    r = keten(['reconcile', '--supplier', 'nobody'], reconcileEnv(s));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no supplier "nobody"/);
    r = keten(['reconcile', '--since', 'yesterday'], reconcileEnv(s));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--since "yesterday" is not an RFC 3339 time/);

    // A polled feed (as a polled supplier would have) is set back by --since.
    await psql(s.db, `INSERT INTO supplier_polls (supplier_id, feed, cursor_at, page)
      SELECT id, 'records', '2026-12-05T12:00:00Z', 'p2' FROM suppliers WHERE key = 'hostco'`);
    r = keten(['reconcile', '--supplier', 'hostco', '--since', '2026-12-01T00:00:00Z'], reconcileEnv(s));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^reconcile: 4 create\(s\) put in doubt/m);
    assert.match(r.stdout, /hostco records from 2026-12-05T12:00:00\+00:00 to 2026-12-01T00:00:00\+00:00/);
    assert.equal(await psql(s.db, `SELECT cursor_at = '2026-12-01T00:00:00Z' AND page IS NULL FROM supplier_polls`), 't');
    await psql(s.db, 'DELETE FROM supplier_polls');
    r = keten(['reconcile'], reconcileEnv(s));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^reconcile: 4 create\(s\) put in doubt/m, 'netco\'s four remained');
    assert.equal(await psql(s.db, `SELECT count(*) FROM outbox WHERE in_doubt AND state = 'pending'`), '8');

    // Delivering again: each create is looked up and re-linked, none sent twice.
    node = await startNode(s, 'after-restore');
    await eventually(async () => (await linked(s, batch)) === 8, 30000, 'the batch re-linked');
    await eventually(async () => (await psql(s.db, `SELECT count(*) FROM outbox WHERE state <> 'done'`)) === '0',
      30000, 'nothing left pending');
    for (const sim of Object.values(s.sims)) {
      const tickets = (await sim.tickets()).filter((t) => [...early, ...batch].includes(t.keten_ticket));
      assert.equal(tickets.length, 6, `${sim.key} holds each ticket once: ${tickets.map((t) => t.id)}`);
    }
    const links = await psql(s.db, `SELECT count(DISTINCT external_id) FROM legs
      WHERE ticket_id IN (${batch.map((i) => `'${i}'`).join(',')})`);
    assert.equal(links, '8', 'each leg linked to its own supplier ticket');
  } finally {
    if (node) await node.stop();
    if (api) await api.stop();
    await s.stop();
  }
});
