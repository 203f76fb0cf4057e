// dbrestart.test.mjs - PostgreSQL restarted with `pg_ctl -m immediate` in
// the middle of a load. While it is down, requests get a 503 with a JSON
// error within a bounded time and /readyz says not ready; the broker
// reconnects by itself; and afterwards nothing is lost: the load client
// sends an Idempotency-Key on every POST and retries with the same key after
// a reset or a 503, and each key maps to exactly one ticket that exists and
// was delivered to every supplier of its legs. This file runs its own
// PostgreSQL cluster, so that crashing it touches no other test file, and a
// durable one: with synchronous_commit off (the other tests' cluster) a crash
// may drop commits that were already answered, and so would a production
// server configured that way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startStack, usePostgres, eventually, psql, sleep } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';

const PG_SH = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../lib/pg.sh');
const pg = (...args) => execFileSync(PG_SH, args, { encoding: 'utf8' }).trim();

const DEADLINE_MS = 1500;   // db_deadline_ms: the bound on a request's wait
const WORKERS = 6;
const TICKETS = 400;

let cluster;
let s;
before(async () => {
  cluster = pg('start', 'durable');
  usePostgres(cluster);
  s = await startStack({ config: { KETEN_DB_DEADLINE_MS: String(DEADLINE_MS) } });
});
after(async () => {
  try {
    if (s) await s.stop();
  } finally {
    if (cluster) pg('stop', cluster);
  }
});

const body = (n) => ticketBody(s, { summary: `load ${n}`, description: 'database restart',
  impact: 3, urgency: 3 });

// One POST, retried with the same key after a reset, a timeout, a 503 or a
// 409 (the first attempt may still hold the key) until it gets its 201.
async function postUntilCreated(n, counters) {
  const idem = `restart-${n}`;
  const until = Date.now() + 120000;
  for (;;) {
    let r = null;
    const sentAt = Date.now();
    try {
      r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: body(n),
        headers: { 'idempotency-key': idem } });
    } catch {
      counters.resets++;
    }
    if (r?.status === 201) return { idem, id: r.json.id };
    if (r) {
      assert.ok([503, 409].includes(r.status), `unexpected ${r.status}: ${r.text}\n` +
        s.log.text.split('\n').filter((l) => l.includes('database')).slice(-5).join('\n'));
      assert.equal(typeof r.json?.error?.code, 'string', r.text);
      counters[r.status]++;
      if (sentAt > counters.readyAt) counters.afterReady.push(r.text);
    }
    assert.ok(Date.now() < until, `ticket ${n} never created`);
    await sleep(100);
  }
}

test('an immediate PostgreSQL restart under load loses nothing and creates nothing twice', async (t) => {
  const counters = { resets: 0, 503: 0, 409: 0, readyAt: Infinity, afterReady: [] };
  const created = [];
  let next = 0;
  const worker = async () => {
    while (next < TICKETS) created.push(await postUntilCreated(next++, counters));
  };
  const load = Promise.all(Array.from({ length: WORKERS }, worker));

  await eventually(() => created.length >= 60, 60000, 'load under way');
  pg('crash', cluster);
  const downAt = Date.now();

  // While it is down: a 503 with a JSON error, within a bounded time.
  const t0 = Date.now();
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: body('outage') });
  const waited = Date.now() - t0;
  assert.equal(r.status, 503, r.text);
  assert.equal(r.json.error.code, 'database_unavailable', r.text);
  assert.ok(waited < DEADLINE_MS + 8000, `answered after ${waited} ms`);
  const ready = await s.api('GET', '/readyz');
  assert.equal(ready.status, 503, ready.text);
  assert.equal(typeof ready.json.error.code, 'string');
  const health = await s.api('GET', '/healthz');
  assert.equal(health.status, 200, 'the process itself stays alive');

  await sleep(Math.max(0, 2000 - (Date.now() - downAt)));
  pg('resume', cluster);
  await eventually(async () => (await s.api('GET', '/readyz')).status === 200, 30000,
    '/readyz ready again');
  counters.readyAt = Date.now();
  await load;
  // Sessions that sat idle through the restart notice it before their next
  // job and reconnect: once ready, no request fails on a dead session.
  assert.deepEqual(counters.afterReady, [], 'no 503 once /readyz said ready');

  // Each key maps to exactly one ticket, and every 2xx ticket exists.
  assert.equal(created.length, TICKETS);
  assert.equal(new Set(created.map((c) => c.id)).size, TICKETS, 'one ticket per key');
  assert.equal(await psql(s.db, "SELECT count(*) FROM tickets WHERE summary LIKE 'load %'"),
    String(TICKETS), 'no ticket beyond the ones the client was answered for');
  const ids = created.map((c) => `'${c.id}'`).join(',');
  assert.equal(await psql(s.db, `SELECT count(*) FROM tickets WHERE id IN (${ids})`), String(TICKETS));

  // Every one is delivered: each leg's create reached its supplier exactly
  // once (the simulators honour Idempotency-Key, so a re-send makes no
  // second ticket there).
  const legs = Number(await psql(s.db, `SELECT count(*) FROM legs WHERE ticket_id IN (${ids})`));
  assert.equal(legs, TICKETS * 2, 'acme-workplace fans out to two suppliers');
  await eventually(async () => await psql(s.db, 'SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id' +
    ` WHERE l.ticket_id IN (${ids}) AND o.state = 'done'`) === String(legs), 90000,
  'every create delivered');
  const simTickets = [];
  for (const sim of Object.values(s.sims)) simTickets.push(...(await sim.tickets()));
  const byLeg = new Map();
  for (const t of simTickets) byLeg.set(t.leg_id, (byLeg.get(t.leg_id) || 0) + 1);
  const legIds = (await psql(s.db, `SELECT id FROM legs WHERE ticket_id IN (${ids})`)).split('\n');
  for (const leg of legIds) assert.equal(byLeg.get(leg), 1, `leg ${leg} at its supplier once`);

  const metrics = await s.api('GET', '/metrics');
  const reconnects = [...metrics.text.matchAll(/^keten_db_reconnects_total\{[^}]*\} (\d+)/gm)]
    .reduce((a, m) => a + Number(m[1]), 0);
  assert.ok(reconnects >= 1, `database reconnects counted:\n${metrics.text}`);
  // The outage was felt and survived: the client saw 503s or resets.
  assert.ok(counters[503] + counters.resets >= 1, JSON.stringify(counters));
  t.diagnostic(JSON.stringify(counters));
});
