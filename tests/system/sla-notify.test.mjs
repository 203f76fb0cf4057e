// sla-notify.test.mjs - SLA warnings and breaches notified to the
// integrator's own webhook (issue 13; README "SLA and reports",
// adapters/sla-notify.md): a real HTTPS receiver (tests/sim/notify-sim.mjs)
// verifies each Standard Webhooks signature with an independent library
// and keeps what it got. Each alert of a service whose SLA has `notify`
// arrives once, signed, under a stable webhook-id, with the documented
// payload; a service without the setting sends nothing; two delivering
// nodes send each once; a receiver that is down is retried and gets it
// once when it is up; a node killed with notifications pending leaves
// them to the next one, and one killed during the call leaves its
// receiver the same webhook-id twice (answered once); a backlog larger
// than one claim goes out at a node's start without its timer, and a
// retry (503 here) is claimed when due, not at the next tick; a 4xx is a dead letter on the timeline that the
// integrator lists, replays or discards as any other.
// The main broker serves the API only: the delivering nodes are started
// (and killed) by the tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStack, startNode, chainDoc, psql, eventually, secret } from './lib/harness.mjs';
import { startSimProcess } from './lib/sim-process.mjs';
import { deliveredTicket, view } from './lib/tickets.mjs';

const HOOK_SECRET = secret();
const FAST = {
  KETEN_SLA_ALERT_INTERVAL_MS: '200', KETEN_SLA_NOTIFY_INTERVAL_MS: '200',
  KETEN_SECRET_SLA_HOOK: HOOK_SECRET, KETEN_DISPATCH_INTERVAL_MS: '200',
  KETEN_RETRY_BASE_MS: '200', KETEN_RETRY_MAX_MS: '1000', KETEN_LEASE_MS: '5000',
  KETEN_SUPPLIER_TIMEOUT_MS: '3000', KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
};

let s, rx, rxPort, node;
const simDir = mkdtempSync(path.join(process.env.KETEN_TEST_WORK || tmpdir(), 'notify-sim-'));

// The receiver, on rxPort once it had one (so that it comes back where the
// chain points).
async function startReceiver() {
  rmSync(path.join(simDir, 'notify.port'), { force: true });
  rx = await startSimProcess({ dir: simDir }, 'notify',
    ['--listen', `127.0.0.1:${rxPort || 0}`], { SIM_SECRET: HOOK_SECRET });
  rxPort = Number(new URL(rx.url).port);
}
async function stopReceiver() {
  if (rx.proc.exitCode !== null) return;
  rx.proc.kill('SIGTERM');
  await new Promise((r) => rx.proc.once('exit', r));
}

// acme-workplace: a 24x7 SLA that notifies the receiver, netco's gold
// contract on vpn; globex-hosting: an SLA without notify.
function notifyChain(sims) {
  const doc = chainDoc(sims);
  doc.suppliers[0].contracts = [{ key: 'gold', name: 'NetCo Gold', service_hours: '24x7',
    targets: { p3: { acknowledge_min: 30, resolve_min: 4800 } } }];
  doc.services[0].components[0].children[0].contract = 'gold';
  doc.services[0].sla = { service_hours: '24x7',
    targets: { p3: { response_min: 240, resolution_min: 960 } },
    notify: { endpoint: `https://127.0.0.1:${rxPort}/sla`, secret_ref: 'env:KETEN_SECRET_SLA_HOOK' } };
  doc.services[1].sla = { service_hours: '24x7',
    targets: { p3: { response_min: 240, resolution_min: 960 } } };
  return doc;
}

before(async () => {
  await startReceiver();
  s = await startStack({ chain: notifyChain, config: { ...FAST, KETEN_DISPATCH: '0' } });
  node = await startNode(s, 'a', FAST);
});
after(async () => {
  await node?.stop();
  await stopReceiver();
  await s?.stop();
  rmSync(simDir, { recursive: true, force: true });
});

// Makes ticket t's own response clock due as time passing would: its
// warning 10 minutes ago, its due time 1 minute ago (only the sweep sees it).
const responseOverdue = (t) => psql(s.db, `UPDATE tickets SET sla_response_warn = now() - interval '10 minutes',
  sla_response_due = now() - interval '1 minute' WHERE id = '${t.id}'`);
const ackOverdue = (t) => psql(s.db, `UPDATE legs SET sla_ack_warn = now() - interval '10 minutes',
  sla_ack_due = now() - interval '1 minute' WHERE id = '${t.legs.netco}'`);

// What the receiver got about ticket t (every attempt that reached it).
const got = async (t) => (await rx.control('GET', '/_sim/received'))
  .filter((x) => x.body && JSON.parse(x.body).data?.ticket_id === t.id);
// The states of t's notifications in the outbox, e.g. "done,done".
const states = (t) => psql(s.db, `SELECT coalesce(string_agg(state, ',' ORDER BY id), '') FROM outbox
  WHERE ticket_id = '${t.id}' AND operation = 'notify'`);
const idOf = (t, leg, clock, level, target) => `sla_${t.id}_${leg || 'ticket'}_${clock}_${level}_${target}`;

// Each webhook-id of t's notifications arrived exactly once, verified.
async function onceEach(t, n) {
  const all = await got(t);
  const ids = all.map((x) => x.webhook_id);
  assert.equal(all.length, n, JSON.stringify(ids));
  assert.equal(new Set(ids).size, n, `a webhook-id twice: ${ids}`);
  assert.ok(all.every((x) => x.verified), JSON.stringify(all.map((x) => x.why)));
  return all;
}

test('each warning and breach is notified once, signed, with the documented payload', async () => {
  const t = await deliveredTicket(s, { component: 'vpn' });
  await responseOverdue(t);
  await ackOverdue(t);
  await eventually(async () => await states(t) === 'done,done,done,done', 20000, 'four notifications done');
  const all = await onceEach(t, 4);
  const want = [idOf(t, null, 'response', 'warning', 240), idOf(t, null, 'response', 'breach', 240),
    idOf(t, t.legs.netco, 'acknowledge', 'warning', 30), idOf(t, t.legs.netco, 'acknowledge', 'breach', 30)];
  assert.deepEqual(all.map((x) => x.webhook_id).sort(), want.sort());
  const ticket = await view(s, t, 'integrator');
  for (const x of all) {
    assert.equal(x.path, '/sla');
    assert.equal(x.idempotency_key, x.webhook_id);
    assert.match(x.content_type, /^application\/json/);
    const p = JSON.parse(x.body);
    assert.deepEqual(Object.keys(p).sort(), ['data', 'timestamp', 'type']);
    const d = p.data;
    assert.equal(p.type, `sla.${d.level}`);
    assert.equal(p.timestamp, d.at);
    assert.match(d.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(d.ticket_number, ticket.number);
    assert.equal(d.ticket_type, 'incident');
    assert.equal(d.priority, 3);
    assert.equal(d.service, 'acme-workplace');
    assert.equal(d.customer, 'acme');
    assert.equal(x.webhook_id, idOf(t, d.leg_id, d.clock, d.level, d.target_min));
    if (d.clock === 'acknowledge') {
      assert.equal(d.leg_id, t.legs.netco);
      assert.equal(d.supplier, 'netco');
      assert.equal(d.target_min, 30);
    } else {
      assert.equal(d.leg_id, null);
      assert.equal(d.supplier, null);
      assert.equal(d.target_min, 240);
    }
  }
  // the timeline says so, to the integrator only
  const notified = ticket.timeline.filter((e) => e.kind === 'sla_notified');
  assert.equal(notified.length, 4);
  assert.ok(notified.every((e) => e.visibility === 'integrator' && e.data.attempts === 1));
  assert.ok(!(await view(s, t, 'acme')).timeline.some((e) => e.kind.startsWith('sla_')));
});

test('a service whose SLA has no notify sends nothing', async () => {
  const g = await s.api('POST', '/v1/tickets', { key: s.keys.globex, body: {
    service: s.services['globex-hosting'], type: 'incident', summary: 'servers down',
    description: 'no notify', impact: 2, urgency: 2 } });
  assert.equal(g.status, 201, g.text);
  const quiet = { id: g.json.id };
  const loud = await deliveredTicket(s, { component: 'vpn' });
  await responseOverdue(quiet);
  await responseOverdue(loud);
  // the alerts of both are recorded; the notifying one's notifications arrive
  await eventually(async () => await states(loud) === 'done,done', 20000, 'the loud ticket notified');
  await eventually(async () => await psql(s.db, `SELECT count(*) FROM sla_alerts
    WHERE ticket_id = '${quiet.id}'`) === '2', 20000, 'the quiet ticket\'s alerts recorded');
  assert.equal(await states(quiet), '');
  assert.equal((await got(quiet)).length, 0);
  await onceEach(loud, 2);
});

test('two delivering nodes send each notification once', async () => {
  const second = await startNode(s, 'b', FAST);
  try {
    const ts = [];
    for (let i = 0; i < 4; i++) ts.push(await deliveredTicket(s, { component: 'vpn' }));
    await psql(s.db, `UPDATE tickets SET sla_response_warn = now() - interval '10 minutes',
      sla_response_due = now() - interval '1 minute' WHERE id IN (${ts.map((t) => `'${t.id}'`).join(',')})`);
    for (const t of ts) await eventually(async () => await states(t) === 'done,done', 20000, 'notified');
    for (const t of ts) await onceEach(t, 2);
    assert.equal(await psql(s.db, `SELECT count(*) FROM sla_alerts WHERE ticket_id IN
      (${ts.map((t) => `'${t.id}'`).join(',')})`), '8');
  } finally {
    await second.stop();
  }
});

test('a receiver that is down is retried with backoff and gets each notification once when up', async () => {
  await stopReceiver();
  try {
    const t = await deliveredTicket(s, { component: 'vpn' });
    await responseOverdue(t);
    // tried more than once while down, still pending
    await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox WHERE ticket_id = '${t.id}'
      AND state = 'pending' AND attempts >= 2 AND outcome ->> 'kind' = 'not_sent'`) === '2',
    20000, 'retried while the receiver is down');
    await startReceiver();
    await eventually(async () => await states(t) === 'done,done', 20000, 'delivered once up');
    await onceEach(t, 2);
    const ev = (await view(s, t, 'integrator')).timeline.filter((e) => e.kind === 'sla_notified');
    assert.equal(ev.length, 2);
    assert.ok(ev.every((e) => e.data.attempts >= 3), JSON.stringify(ev.map((e) => e.data.attempts)));
  } finally {
    if (rx.proc.exitCode !== null) await startReceiver();
  }
});

test('a node killed with notifications pending leaves them to the next, sent once', async () => {
  await stopReceiver();
  const t = await deliveredTicket(s, { component: 'vpn' });
  await responseOverdue(t);
  await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox WHERE ticket_id = '${t.id}'
    AND state = 'pending' AND attempts >= 1`) === '2', 20000, 'tried while the receiver is down');
  await node.kill();
  await startReceiver();
  node = await startNode(s, 'a2', FAST);
  await eventually(async () => await states(t) === 'done,done', 20000, 'delivered after the restart');
  await onceEach(t, 2);
  assert.equal((await view(s, t, 'integrator')).timeline.filter((e) => e.kind === 'sla_notified').length, 2);
});

test('a node killed during the call: the next sends it again under the same webhook-id, done once', async () => {
  await rx.control('POST', '/_sim/mode', { hang: true });
  let t;
  try {
    t = await deliveredTicket(s, { component: 'vpn' });
    await responseOverdue(t);
    // both requests reached the receiver and hang there
    await eventually(async () => (await got(t)).length === 2, 20000, 'the calls in flight');
    await node.kill();
  } finally {
    await rx.control('POST', '/_sim/mode', { hang: false });
  }
  node = await startNode(s, 'a3', FAST);
  // claimed again once the dead node's lease (5 s here) ran out
  await eventually(async () => await states(t) === 'done,done', 30000, 'delivered after the lease');
  const all = await got(t);
  assert.equal(all.length, 4, 'each sent twice: the hung call and the one after the lease');
  const ids = all.map((x) => x.webhook_id);
  assert.equal(new Set(ids).size, 2, 'the same two webhook-ids');
  assert.equal(all.filter((x) => x.answered === 204).length, 2, 'each answered once');
  const ev = (await view(s, t, 'integrator')).timeline.filter((e) => e.kind === 'sla_notified');
  assert.equal(ev.length, 2);
  assert.ok(ev.every((e) => e.data.attempts === 2), JSON.stringify(ev.map((e) => e.data.attempts)));
});

test('a backlog larger than one claim goes out at a node\'s start, without waiting for its tick', async () => {
  const ts = [];
  for (let i = 0; i < 17; i++) ts.push(await deliveredTicket(s, { component: 'vpn' }));
  await node.stop();
  const ids = ts.map((t) => `'${t.id}'`).join(',');
  await psql(s.db, `UPDATE tickets SET sla_response_warn = now() - interval '10 minutes',
    sla_response_due = now() - interval '1 minute' WHERE id IN (${ids})`);
  // the API node's sweep queues 34 (more than the 32 of one claim)
  await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox WHERE ticket_id IN (${ids})
    AND state = 'pending'`) === '34', 20000, 'the backlog queued');
  // a tick ten minutes away: only the start's claim and the claims after a full one send
  node = await startNode(s, 'a4', { ...FAST, KETEN_SLA_NOTIFY_INTERVAL_MS: '600000' });
  await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox WHERE ticket_id IN (${ids})
    AND state = 'done'`) === '34', 30000, 'the backlog sent');
  for (const t of ts) await onceEach(t, 2);
  await node.stop();
  node = await startNode(s, 'a5', FAST);
});

test('a retry due before the next tick is claimed when due', async () => {
  const t = await deliveredTicket(s, { component: 'vpn' });
  await node.stop();
  await responseOverdue(t);
  await eventually(async () => await states(t) === 'pending,pending', 20000, 'queued');
  await rx.control('POST', '/_sim/mode', { status: 503 });
  try {
    // a tick ten minutes away: only the start's claim and the retries' own
    node = await startNode(s, 'a6', { ...FAST, KETEN_SLA_NOTIFY_INTERVAL_MS: '600000' });
    await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox WHERE ticket_id = '${t.id}'
      AND state = 'pending' AND outcome ->> 'http_status' = '503'`) === '2', 20000, 'refused with 503');
  } finally {
    await rx.control('POST', '/_sim/mode', { status: 204 });
  }
  await eventually(async () => await states(t) === 'done,done', 20000, 'retried and delivered');
  const all = await got(t);
  assert.equal(all.filter((x) => x.answered === 204).length, 2);
  assert.ok(all.filter((x) => x.answered === 503).length >= 2);
  await node.stop();
  node = await startNode(s, 'a7', FAST);
});

test('a receiver that refuses (4xx) makes dead letters the integrator lists, replays and discards', async () => {
  await rx.control('POST', '/_sim/mode', { status: 410 });
  let t;
  try {
    t = await deliveredTicket(s, { component: 'vpn' });
    await responseOverdue(t);
    await eventually(async () => await states(t) === 'dead,dead', 20000, 'dead letters');
    const dead = (await view(s, t, 'integrator')).timeline.filter((e) => e.kind === 'sla_notify_dead');
    assert.equal(dead.length, 2);
    assert.equal(dead[0].data.outcome.kind, 'permanent');
    assert.equal(dead[0].data.outcome.http_status, 410);
    assert.equal((await got(t)).length, 2, 'one attempt each');
  } finally {
    await rx.control('POST', '/_sim/mode', { status: 204 });
  }
  const list = await s.api('GET', '/v1/deliveries?state=dead', { key: s.keys.integrator });
  assert.equal(list.status, 200, list.text);
  const mine = list.json.items.filter((d) => d.ticket_id === t.id);
  assert.equal(mine.length, 2);
  for (const d of mine) {
    assert.equal(d.operation, 'notify');
    assert.equal(d.leg_id, null);
    assert.equal(d.supplier, null);
    assert.equal(d.ticket_number, t.number);
    assert.equal(d.outcome.http_status, 410);
  }
  const [first, second] = mine.sort((a, b) => Number(a.id) - Number(b.id));
  const r = await s.api('POST', `/v1/deliveries/${first.id}/replay`, { key: s.keys.integrator });
  assert.equal(r.status, 200, r.text);
  const d = await s.api('POST', `/v1/deliveries/${second.id}/discard`, { key: s.keys.integrator });
  assert.equal(d.status, 200, d.text);
  await eventually(async () => await states(t) === 'done,discarded', 20000, 'the replay delivered');
  const all = await got(t);
  assert.equal(all.length, 3, 'two refused, the replay accepted');
  assert.equal(all.filter((x) => x.answered === 204).length, 1);
  const kinds = (await view(s, t, 'integrator')).timeline.map((e) => e.kind);
  for (const k of ['delivery_replayed', 'delivery_discarded', 'sla_notified']) assert.ok(kinds.includes(k), k);
});
