// restore-hold.test.mjs - dispatch stays held after a restore until
// `keten reconcile` ran (issue 16). Each node remembers the database's
// identity, epoch and progress mark in its state_dir; a database found
// behind that (a pg_dump restored) or another one holds dispatch for every
// node: the API serves, nothing reaches the suppliers, /readyz, /metrics,
// `keten dispatch` and `keten supplier show` say why; `keten reconcile`
// lifts it and the queued work flows, each leg linked exactly once. A
// plain restart does not hold, nor does a node that was away while the
// restore was reconciled; `keten dispatch resume --force` lifts a hold by
// hand; a state file that does not read stops the node from delivering.
// reconcile also asks each supplier for the tickets carrying Keten's
// reference and reports the one the restore made Keten forget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startStack, startNode, eventually, keten, psql, certs } from './lib/harness.mjs';
import { dispatchRounds, scrape, value } from './lib/metrics.mjs';
import { backup, linked, post, reconcileEnv, restore } from './lib/restore.mjs';

const held = async (node) => {
  const r = await node.api('GET', '/readyz');
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const stopMain = async (s) => {
  s.proc.kill('SIGTERM');
  await new Promise((r) => (s.proc.exitCode !== null ? r() : s.proc.once('exit', r)));
};
const stateDir = (s, name) => {
  const dir = path.join(s.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

test('after a restore dispatch is held until reconcile; a plain restart does not hold', async () => {
  const ignore = { idempotency: 'ignore' };
  const s = await startStack({ sim: { netco: ignore, hostco: ignore } });
  const state = { KETEN_STATE_DIR: stateDir(s, 'state') };
  let node;
  let api;
  try {
    await stopMain(s);
    node = await startNode(s, 'deliverer', state);
    const early = [await post(node, s, 'early 1'), await post(node, s, 'early 2')];
    await eventually(async () => (await linked(s, early)) === 4, 30000, 'the early tickets delivered');
    const mark = readFileSync(path.join(state.KETEN_STATE_DIR, 'database-mark'), 'utf8');
    assert.match(mark, /^[0-9a-f-]{36} 0 [0-9]+\n$/);

    // A plain restart: the database is where the node left it.
    await node.stop();
    node = await startNode(s, 'deliverer', state);
    const restarted = await post(node, s, 'after a plain restart');
    await eventually(async () => (await linked(s, [restarted])) === 2, 30000, 'delivered after a restart');
    assert.equal((await held(node)).dispatch, 'on');
    let r = keten(['dispatch'], s.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).hold, null);
    await node.stop();

    // Creates pending at the backup, delivered after it.
    api = await startNode(s, 'api-only', { KETEN_DISPATCH: '0' });
    const batch = [];
    for (let i = 0; i < 4; i++) batch.push(await post(api, s, `pending at the backup ${i}`));
    const dump = backup(s);
    node = await startNode(s, 'deliverer', state);
    await eventually(async () => (await linked(s, batch)) === 8, 30000, 'the batch delivered after the backup');
    // A ticket the restore makes Keten forget, which the suppliers hold.
    const lost = await post(node, s, 'lost by the restore');
    await eventually(async () => (await linked(s, [lost])) === 2, 30000, 'the lost one delivered');
    const lostLeg = await psql(s.db, `SELECT id FROM legs WHERE ticket_id = '${lost}' AND supplier_id =
      (SELECT id FROM suppliers WHERE key = 'netco')`);
    await node.stop();
    await api.stop();
    node = api = null;
    // A node that stays away until the restore was reconciled.
    const away = { KETEN_STATE_DIR: stateDir(s, 'away') };
    cpSync(path.join(state.KETEN_STATE_DIR, 'database-mark'), path.join(away.KETEN_STATE_DIR, 'database-mark'));
    const mine = [...early, restarted, ...batch];
    const counts = async () => Object.fromEntries(await Promise.all(Object.entries(s.sims).map(
      async ([k, sim]) => [k, (await sim.tickets()).filter((t) => t.keten_ticket).length])));
    assert.deepEqual(await counts(), { netco: 8, hostco: 8 });

    // The restore.
    await restore(s, dump);
    assert.equal(await linked(s, batch), 0, 'restored to before the deliveries');

    node = await startNode(s, 'after-restore', state);
    const ready = await eventually(async () => { const j = await held(node); return j.dispatch === 'held' && j; },
      15000, 'readyz says held');
    assert.equal(ready.hold.hold, 'restore');
    assert.equal(ready.hold.detail.node, 'after-restore');
    assert.ok(ready.hold.detail.seen_mark > ready.hold.detail.found_mark, JSON.stringify(ready.hold));
    const late = await post(node, s, 'queued while held');
    await dispatchRounds(node, 3);
    assert.deepEqual(await counts(), { netco: 8, hostco: 8 }, 'nothing reached the suppliers while held');
    assert.equal(await linked(s, [late, ...batch]), 0);
    assert.equal(value(await scrape(node), 'keten_dispatch_held'), 1);
    assert.match(node.log(), /dispatch held for every node until `keten reconcile` ran/);
    r = keten(['dispatch', 'status'], s.env);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(JSON.parse(r.stdout).hold, 'restore');
    r = keten(['supplier', 'show', 'netco'], s.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).dispatch.hold, 'restore');
    r = keten(['dispatch', 'resume'], s.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /lifted by `keten reconcile`/);
    r = keten(['reconcile', '--dry-run'], reconcileEnv(s));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dispatch was held \(restore\): a reconcile without --dry-run lifts it/);
    r = keten(['reconcile', '--supplier', 'netco'], reconcileEnv(s));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dispatch stays held \(restore\)/);
    assert.equal(keten(['dispatch'], s.env).code, 3, 'still held after a dry run and one supplier');

    r = keten(['reconcile'], reconcileEnv(s));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dispatch was held \(restore\): lifted, every node delivers again/);
    // The suppliers were asked: the ticket the restore lost is reported at
    // each (5 a page at the simulator: two pages), and left alone there.
    assert.match(r.stdout, /^reconcile: 2 supplier\(s\) asked for their tickets/m);
    assert.match(r.stdout, /^  netco: 8 ticket\(s\) listed, 1 unknown to Keten$/m);
    assert.match(r.stdout, /^  hostco: 8 ticket\(s\) listed, 1 unknown to Keten$/m);
    assert.match(r.stdout, new RegExp(`^    netco ticket SIM-netco-\\d+ \\(reference ${lostLeg}\\) unknown to Keten$`, 'm'));
    assert.match(r.stdout, /^  netco: push only: updates it made to \d+ open leg\(s\) that the restore lost are not fetched/m);
    assert.equal(await psql(s.db, `SELECT count(*) FROM tickets WHERE id = '${lost}'`), '0', 'not created again');
    await eventually(async () => (await linked(s, [...batch, late])) === 10, 30000, 'the batch re-linked and the late one sent');
    await eventually(async () => (await psql(s.db, `SELECT count(*) FROM outbox WHERE state <> 'done'`)) === '0',
      30000, 'nothing left pending');
    for (const sim of Object.values(s.sims)) {
      const ids = (await sim.tickets()).map((t) => t.keten_ticket).filter(Boolean);
      assert.deepEqual([...ids].sort(), [...mine, lost, late].sort(), `${sim.key} holds each ticket once`);
    }
    assert.equal(await psql(s.db, `SELECT count(DISTINCT external_id) FROM legs
      WHERE ticket_id IN (${batch.map((i) => `'${i}'`).join(',')})`), '8');
    await eventually(async () => (await held(node)).dispatch === 'on', 15000, 'readyz says on');
    assert.equal(value(await scrape(node), 'keten_dispatch_held'), 0);

    // The node that was away remembers a later mark of the epoch before:
    // the restore was reconciled meanwhile, so it does not hold again.
    const other = await startNode(s, 'was-away', away);
    const after = await post(other, s, 'after the reconcile');
    await eventually(async () => (await linked(s, [after])) === 2, 30000, 'delivered by the node that was away');
    assert.equal(keten(['dispatch'], s.env).code, 0);
    await other.stop();
  } finally {
    if (node) await node.stop();
    if (api) await api.stop();
    await s.stop();
  }
});

test('another database holds too; resume --force lifts it; a state file that does not read stops delivery', async () => {
  const s = await startStack();
  let node;
  try {
    await stopMain(s);
    const foreign = { KETEN_STATE_DIR: stateDir(s, 'foreign') };
    writeFileSync(path.join(foreign.KETEN_STATE_DIR, 'database-mark'), `${randomUUID()} 0 5\n`);
    node = await startNode(s, 'foreign', foreign);
    const ready = await eventually(async () => { const j = await held(node); return j.dispatch === 'held' && j; },
      15000, 'readyz says held');
    assert.equal(ready.hold.hold, 'other_database');
    const id = await post(node, s, 'held by another database');
    await dispatchRounds(node, 3);
    assert.equal(await linked(s, [id]), 0);
    let r = keten(['dispatch', 'resume', '--force'], s.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the hold \(other_database\) is lifted/);
    await eventually(async () => (await linked(s, [id])) === 2, 30000, 'delivered after resume --force');
    r = keten(['dispatch', 'resume', '--force'], s.env);
    assert.match(r.stdout, /not held: nothing to lift/);
    // A supplier that does not answer its listing: said, and exit status 1.
    await s.sims.hostco.mode({ mode: 'status', status: 503 });
    r = keten(['reconcile', '--dry-run'], reconcileEnv(s));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^  hostco: could not list: leg.list answered HTTP 503, not 200$/m);
    assert.match(r.stdout, /^  netco: 1 ticket\(s\) listed, 0 unknown to Keten$/m);
    assert.match(r.stderr, /1 supplier\(s\) could not be listed/);
    await s.sims.hostco.mode({ mode: 'normal' });
    assert.equal(keten(['dispatch', 'bogus'], s.env).code, 2);
    await node.stop();

    const broken = { KETEN_STATE_DIR: stateDir(s, 'broken') };
    writeFileSync(path.join(broken.KETEN_STATE_DIR, 'database-mark'), 'not a mark\n');
    node = await startNode(s, 'broken', broken);
    const stuck = await post(node, s, 'not sent while the state file is unreadable');
    await eventually(async () => /does not read as/.test(node.log()), 15000, 'the state file refused in the log');
    await dispatchRounds(node, 3);
    assert.equal(await linked(s, [stuck]), 0, 'nothing sent while the node cannot compare');
    await node.stop();
    node = null;

    // A state_dir that is not there stops `keten serve` at its start.
    const missing = path.join(s.dir, 'missing');
    const run = spawnSync(process.env.KETEN_BIN, ['serve', '--listen', '127.0.0.1:0'], {
      env: { ...process.env, ...s.env, KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key,
        KETEN_STATE_DIR: missing }, encoding: 'utf8', timeout: 20000 });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /state_dir \\"[^"]*missing\\" is not a writable directory/);
  } finally {
    if (node) await node.stop();
    await s.stop();
  }
});
