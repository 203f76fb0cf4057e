// ha.test.mjs - Keten on a Patroni cluster (tests/ha/run.sh) through
// libpq's multi-host connection string with target_session_attrs=read-write.
// Two broker nodes take a load of tickets (each POST retried with its
// Idempotency-Key after a 503 or a reset) and deliver them to two
// suppliers while the primary is lost: first killed (Patroni and its
// postmaster, SIGKILL), then, after it rejoined, handed over by a planned
// switchover. Afterwards every ticket that got a 201 is stored and reached
// each of its suppliers exactly once, and /readyz said "not ready" only in
// one window around the change of primary, whose length is printed. Each
// node watches for a restore (state_dir): neither change holds dispatch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSim, startNode, request, eventually, secret, keten, chainDoc, sleep, writeChain,
  opsHeaders } from '../system/lib/harness.mjs';

const DSN = process.env.KETEN_HA_DSN;
const DIR = process.env.KETEN_HA_DIR;
const CLUSTER = process.env.KETEN_HA_CLUSTER;
const API_PORTS = (process.env.KETEN_HA_API_PORTS || '').split(',');
const WORKERS = 4;

const sql = (q, db = 'keten') => execFileSync('psql', [`${DSN} dbname=${db}`, '-XAtq', '-v', 'ON_ERROR_STOP=1',
  '-c', q], { encoding: 'utf8' }).trim();
const cluster = (...args) => execFileSync(CLUSTER, args, { encoding: 'utf8' }).trim();
async function members() {
  for (const port of API_PORTS) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/cluster`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return (await r.json()).members;
    } catch { /* that member is down: ask the next */ }
  }
  return [];
}
const role = async (r) => (await members()).find((m) => m.role === r);
const healthy = async () => {
  const ms = await members();
  return ms.length === 3 && ms.every((m) => ['running', 'streaming'].includes(m.state)) &&
    ms.some((m) => m.role === 'leader') && ms.some((m) => m.role === 'sync_standby');
};

let s; // { dir, env, secrets, keys, services, nodes, sims }
before(async () => {
  assert.ok(DSN, 'run through tests/ha/run.sh (KETEN_HA_DSN)');
  sql('CREATE DATABASE keten', 'postgres');
  const dir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK, 'ha-'));
  const env = { KETEN_DATABASE_URL: `${DSN} dbname=keten` };
  let r = keten(['migrate'], env);
  assert.equal(r.code, 0, r.stderr);
  const chainFile = path.join(dir, 'chain.json');
  const unreachable = { netco: { url: 'https://127.0.0.1:1' }, hostco: { url: 'https://127.0.0.1:1' } };
  writeChain(chainFile, chainDoc(unreachable), 0);
  r = keten(['chain', 'import', chainFile], env);
  assert.equal(r.code, 0, r.stderr);
  r = keten(['key', 'create', '--role', 'customer', '--customer', 'acme'], env);
  assert.equal(r.code, 0, r.stderr);
  s = { dir, env, secrets: { netco: secret(), hostco: secret() }, keys: { acme: r.stdout.trim() },
    service: sql("SELECT id FROM services WHERE key = 'acme-workplace'") };
  const config = { KETEN_DB_DEADLINE_MS: '2000', KETEN_DISPATCH_INTERVAL_MS: '200', KETEN_RETRY_BASE_MS: '200',
    KETEN_RETRY_MAX_MS: '1000', KETEN_SUPPLIER_TIMEOUT_MS: '3000', KETEN_LEASE_MS: '5000',
    KETEN_SUPPLIER_SEARCH_LAG_MS: '0' };
  // Each node watches for a restore (state_dir): a failover must not hold.
  const state = (name) => { const d = path.join(dir, `state-${name}`); mkdirSync(d); return { KETEN_STATE_DIR: d }; };
  s.nodes = [await startNode(s, 'ha-a', { ...config, ...state('ha-a') }),
    await startNode(s, 'ha-b', { ...config, ...state('ha-b') })];
  s.sims = {};
  for (const key of ['netco', 'hostco']) s.sims[key] = await startSim(dir, { key, secret: s.secrets[key] });
  writeChain(chainFile, chainDoc(s.sims), 0);
  r = keten(['chain', 'import', chainFile], env);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  for (const sim of Object.values(s?.sims || {})) await sim.stop();
  for (const n of s?.nodes || []) await n.stop();
});

// One ticket, retried with the same key at the next node after a reset, a
// timeout, a 503 or a 409 until it gets its 201.
async function postUntilCreated(label, n) {
  const until = Date.now() + 180000;
  for (let attempt = 0; ; attempt++) {
    const node = s.nodes[(n + attempt) % s.nodes.length];
    let r = null;
    try {
      r = await request(node.url, 'POST', '/v1/tickets', { key: s.keys.acme,
        headers: { 'idempotency-key': `${label}-${n}` },
        body: { service: s.service, type: 'incident', summary: `${label} ${n}`, description: 'ha',
          impact: 3, urgency: 3 } });
    } catch { /* reset or timeout: retried */ }
    if (r?.status === 201) return r.json.id;
    if (r) assert.ok([503, 409].includes(r.status), `unexpected ${r.status}: ${r.text}`);
    assert.ok(Date.now() < until, `${label} ${n} never created`);
    await sleep(200);
  }
}

// Watches a node's /readyz every 100 ms; windows() gives the not-ready spans.
function watchReady(node) {
  const spans = [];
  let down = null;
  let on = true;
  const loop = (async () => {
    while (on) {
      let ok = false;
      try { ok = (await request(node.url, 'GET', '/readyz', { headers: opsHeaders() })).status === 200; } catch { ok = false; }
      const now = Date.now();
      if (!ok && down === null) down = now;
      if (ok && down !== null) { spans.push(now - down); down = null; }
      await sleep(100);
    }
  })();
  return { async stop() { on = false; await loop; if (down !== null) spans.push(Date.now() - down); return spans; } };
}

async function underLoad(label, total, change) {
  const created = [];
  let next = 0;
  const worker = async () => { while (next < total) { const n = next++; created.push(await postUntilCreated(label, n)); } };
  const watch = watchReady(s.nodes[0]);
  const load = Promise.all(Array.from({ length: WORKERS }, worker));
  await eventually(() => created.length >= total / 3, 120000, `${label}: load under way`);
  const before = (await role('leader')).name;
  await change(before);
  await eventually(async () => { const l = await role('leader'); return l && l.name !== before && l.state === 'running'; },
    120000, `${label}: a new leader`);
  await load;
  const spans = await watch.stop();
  const after = (await role('leader')).name;

  assert.equal(created.length, total);
  assert.equal(new Set(created).size, total, 'one ticket per Idempotency-Key');
  const ids = created.map((id) => `'${id}'`).join(',');
  assert.equal(sql(`SELECT count(*) FROM tickets WHERE id IN (${ids})`), String(total), 'every 201 is stored');
  assert.equal(sql(`SELECT count(*) FROM tickets WHERE summary LIKE '${label} %'`), String(total),
    'no ticket beyond those answered');
  for (const sim of Object.values(s.sims)) {
    const held = await eventually(async () => {
      const mine = (await sim.tickets()).filter((t) => created.includes(t.keten_ticket));
      return mine.length >= total && mine;
    }, 120000, `${label}: every ticket at ${sim.key}`);
    const count = new Map();
    for (const t of held) count.set(t.keten_ticket, (count.get(t.keten_ticket) || 0) + 1);
    assert.deepEqual([...count.entries()].filter(([, c]) => c !== 1), [], `${label}: once each at ${sim.key}`);
  }
  // A failover or switchover is no restore: no node held dispatch.
  const r = keten(['dispatch'], s.env);
  assert.equal(r.code, 0, `${label}: dispatch held after the change: ${r.stdout}${r.stderr}`);
  for (const node of s.nodes) assert.doesNotMatch(node.log(), /dispatch held for every node/);
  const longest = Math.max(0, ...spans);
  console.log(`${label}: leader ${before} -> ${after}; /readyz not ready in ${spans.length} span(s), ` +
    `longest ${longest} ms`);
  assert.ok(spans.length <= 2, `${label}: not ready only around the change (${spans.join(', ')} ms)`);
  assert.ok(longest < 90000, `${label}: not ready for ${longest} ms`);
  return { before, after, longest };
}

test('failover: the primary killed under load loses no ticket and duplicates none', async () => {
  await underLoad('failover', 150, async (leader) => {
    const [patroni, postmaster] = cluster('pids', DIR, leader).split(' ');
    process.kill(Number(patroni), 'SIGKILL');
    if (postmaster) process.kill(Number(postmaster), 'SIGKILL');
  });
});

test('switchover: a planned change of primary under load loses no ticket and duplicates none', async () => {
  // The killed member comes back as a replica first.
  const up = (await members()).map((m) => m.name);
  for (const name of ['pg1', 'pg2', 'pg3'].filter((m) => !up.includes(m))) cluster('member', DIR, name);
  await eventually(healthy, 120000, 'three members with a sync standby again');
  await underLoad('switchover', 100, async (leader) => {
    const candidate = (await role('sync_standby')).name;
    execFileSync('patronictl', ['-c', path.join(DIR, `${leader}.yml`), 'switchover', '--leader', leader,
      '--candidate', candidate, '--force'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  });
});
