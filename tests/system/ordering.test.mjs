// ordering.test.mjs - a supplier's updates of one leg take effect in the
// order of the supplier's own clock (occurred_at), not in the order they
// arrive nor by status rank: an older one is stale (recorded for the
// integrator, answered "stale", otherwise ignored), an equal one applies in
// arrival order, a newer one may reopen a resolved leg, and a replayed
// delivery stays a duplicate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { view } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });

// RFC 3339 in whole seconds, `offset` seconds from now (or from base, ms).
const at = (offset, base = Date.now()) =>
  new Date(base + offset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

// A VPN incident: one leg, netco's. Resolves once the create is delivered
// and its answer (external id, status "new") applied, so that the answer
// cannot cross the updates a test sends.
async function netcoTicket() {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'incident', summary: 'VPN flaps',
    description: 'The tunnel drops every few minutes.', impact: 2, urgency: 2, component: 'vpn' } });
  assert.equal(r.status, 201, r.text);
  const leg = await eventually(async () => {
    const v = await s.api('GET', `/v1/tickets/${r.json.id}`, { key: s.keys.integrator });
    return v.json.legs.find((l) => l.external_id) || null;
  }, 15000, 'the create delivered and accepted');
  return { id: r.json.id, leg: leg.id };
}

const legStatus = (t) => psql(s.db, `SELECT status FROM legs WHERE id = '${t.leg}'`);
const eventCount = (t) => psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`);

async function send(t, body) {
  const r = await s.sims.netco.send({ leg_id: t.leg, ...body });
  assert.equal(r.status, 200, JSON.stringify(r));
  return r;
}

test('an update older than the last applied one is stale: recorded for the integrator only', async () => {
  const t = await netcoTicket();
  const t1 = at(-120), t2 = at(-60);
  const applied = await send(t, { status: 'in_progress', occurred_at: t2 });
  assert.equal(applied.body.result, 'applied');
  const before = await eventCount(t);
  const r = await send(t, { status: 'assigned', occurred_at: t1, comment: 'dispatched an engineer' });
  assert.deepEqual(r.body, { result: 'stale' });
  assert.equal(await legStatus(t), 'in_progress');
  assert.equal((await view(s, t, 'acme')).status, 'in_progress');
  assert.equal(Number(await eventCount(t)), Number(before) + 1, 'one event: the stale update, nothing else');

  const i = await view(s, t, 'integrator');
  const stale = i.timeline.filter((e) => e.kind === 'stale_update');
  assert.equal(stale.length, 1);
  assert.equal(stale[0].visibility, 'integrator');
  assert.equal(stale[0].leg_id, t.leg);
  assert.equal(stale[0].actor, 'supplier:netco');
  assert.equal(stale[0].occurred_at, t1);
  assert.equal(stale[0].data.status, 'assigned');
  assert.equal(stale[0].data.webhook_id, r.webhook_id);
  assert.equal(stale[0].data.occurred_at, t1);
  assert.equal(stale[0].data.last_applied_at, t2);
  assert.deepEqual(stale[0].data.comment, { text: 'dispatched an engineer', public: true });
  assert.equal(i.legs[0].status, 'in_progress');

  const c = await view(s, t, 'acme');
  assert.ok(!c.timeline.some((e) => e.kind === 'stale_update'), 'the customer never sees it');
  assert.ok(!JSON.stringify(c).includes('dispatched an engineer'), 'nor what the stale update said');
  const n = await view(s, t, 'netco');
  assert.ok(!n.timeline.some((e) => e.kind === 'stale_update'), 'it is the integrator\'s');
  assert.equal(await psql(s.db, `SELECT last_webhook_id FROM legs WHERE id = '${t.leg}'`), applied.webhook_id,
    'the leg names the delivery that last changed it');

  // The stale delivery's id is kept: sent again, it is a duplicate.
  const dup = await send(t, { status: 'assigned', occurred_at: t1, webhook_id: r.webhook_id });
  assert.equal(dup.body.result, 'duplicate');
  assert.equal(Number(await eventCount(t)), Number(before) + 1);
});

test('equal times apply in arrival order, even down the status rank', async () => {
  const t = await netcoTicket();
  const now = Date.now(), t1 = at(-30, now);
  for (const status of ['assigned', 'in_progress', 'pending_supplier', 'assigned']) {
    const r = await send(t, { status, occurred_at: t1 });
    assert.equal(r.body.result, 'applied', status);
    assert.equal(await legStatus(t), status);
    assert.equal(await psql(s.db, `SELECT last_webhook_id FROM legs WHERE id = '${t.leg}'`), r.webhook_id);
  }
  assert.equal((await view(s, t, 'acme')).status, 'assigned');
  // One second earlier is stale.
  const r = await send(t, { status: 'resolved', occurred_at: at(-31, now) });
  assert.equal(r.body.result, 'stale');
  assert.equal(await legStatus(t), 'assigned');
});

test('a newer update reopens a resolved leg and the customer sees it open again', async () => {
  const t = await netcoTicket();
  const t1 = at(-90), t2 = at(-30);
  let r = await send(t, { status: 'resolved', occurred_at: t1, comment: 'tunnel restored' });
  assert.equal(r.body.result, 'applied');
  assert.equal((await view(s, t, 'acme')).status, 'resolved');
  r = await send(t, { status: 'in_progress', occurred_at: t2, comment: 'it dropped again' });
  assert.equal(r.body.result, 'applied');
  assert.equal(await legStatus(t), 'in_progress');
  const c = await view(s, t, 'acme');
  assert.equal(c.status, 'in_progress');
  const changes = c.timeline.filter((e) => e.kind === 'status_changed').map((e) => `${e.from}>${e.to}`);
  assert.deepEqual(changes.slice(-2), ['new>resolved', 'resolved>in_progress'], JSON.stringify(c.timeline));
  const i = await view(s, t, 'integrator');
  assert.ok(i.timeline.some((e) => e.kind === 'supplier_update' && e.data.from === 'resolved' &&
    e.data.to === 'in_progress'));
  // The resolution it overtook, replayed late, is stale.
  r = await send(t, { status: 'resolved', occurred_at: t1 });
  assert.equal(r.body.result, 'stale');
  assert.equal((await view(s, t, 'acme')).status, 'in_progress');
});

test('a replayed old delivery is still a duplicate and changes nothing', async () => {
  const t = await netcoTicket();
  const first = await send(t, { status: 'assigned', occurred_at: at(-60) });
  assert.equal(first.body.result, 'applied');
  await send(t, { status: 'in_progress', occurred_at: at(-30) });
  const before = await eventCount(t);
  const r = await send(t, { status: 'assigned', occurred_at: at(-60), webhook_id: first.webhook_id });
  assert.deepEqual(r.body, { result: 'duplicate' });
  assert.equal(await eventCount(t), before);
  assert.equal(await legStatus(t), 'in_progress');
});

test('an update without occurred_at counts as arriving now', async () => {
  const t = await netcoTicket();
  let r = await send(t, { status: 'assigned', occurred_at: at(-60) });
  assert.equal(r.body.result, 'applied');
  r = await send(t, { status: 'in_progress', occurred_at: null });
  assert.equal(r.body.result, 'applied');
  assert.equal(await legStatus(t), 'in_progress');
  // Anything the supplier dates before that arrival is now stale.
  r = await send(t, { status: 'pending_supplier', occurred_at: at(-5) });
  assert.equal(r.body.result, 'stale');
  assert.equal(await legStatus(t), 'in_progress');
  // A comment alone is ordered too.
  r = await send(t, { comment: 'late note', occurred_at: at(-5) });
  assert.equal(r.body.result, 'stale');
  assert.ok(!(await view(s, t, 'acme')).timeline.some((e) => e.text === 'late note'));
});

test('an occurred_at far in the future is refused and kept nowhere', async () => {
  const t = await netcoTicket();
  const before = await eventCount(t);
  const r = await s.sims.netco.send({ leg_id: t.leg, status: 'in_progress', occurred_at: at(3600),
    webhook_id: 'msg_future' });
  assert.equal(r.status, 422, JSON.stringify(r));
  assert.equal(r.body.error.code, 'invalid_update');
  assert.equal(r.body.error.details[0].path, '/occurred_at');
  assert.equal(await psql(s.db, `SELECT count(*) FROM inbound_deliveries WHERE webhook_id = 'msg_future'`), '0');
  assert.equal(await eventCount(t), before);
  assert.equal(await legStatus(t), 'new');
  // A little ahead (within the accepted clock skew) is fine.
  const ok = await send(t, { status: 'assigned', occurred_at: at(60) });
  assert.equal(ok.body.result, 'applied');
});

test('another supplier\'s leg is still 404, stale or not', async () => {
  const t = await netcoTicket();
  await send(t, { status: 'in_progress', occurred_at: at(-10) });
  const r = await s.sims.hostco.send({ leg_id: t.leg, status: 'assigned', occurred_at: at(-60),
    webhook_id: 'msg_cross_stale' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'unknown_leg');
  assert.equal(await psql(s.db, `SELECT count(*) FROM inbound_deliveries WHERE webhook_id = 'msg_cross_stale'`), '0');
  assert.ok(!(await view(s, t, 'integrator')).timeline.some((e) => e.kind === 'stale_update'));
});

test('an answer that crosses the supplier\'s first update does not move the leg back', async () => {
  await s.sims.netco.mode({ mode: 'hang' });
  let t;
  try {
    const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-workplace'], type: 'incident', summary: 'VPN slow',
      description: 'Throughput halved.', impact: 3, urgency: 3, component: 'vpn' } });
    assert.equal(r.status, 201, r.text);
    t = { id: r.json.id, leg: await psql(s.db, `SELECT id FROM legs WHERE ticket_id = '${r.json.id}'`) };
    await eventually(async () => (await s.sims.netco.received())
      .some((x) => x.json?.type === 'leg.create' && x.json.data.id === t.id), 15000, 'the create to hang');
    // The supplier works on it before its answer to the create gets through.
    const u = await send(t, { status: 'assigned', occurred_at: at(-1) });
    assert.equal(u.body.result, 'applied');
  } finally {
    await s.sims.netco.mode({ mode: 'normal' });
  }
  const leg = await eventually(async () => (await view(s, t, 'integrator')).legs.find((l) => l.external_id),
    20000, 'the retried create answered');
  assert.equal(leg.status, 'assigned', 'the answer\'s "new" does not undo the supplier\'s update');
  const i = await view(s, t, 'integrator');
  const stale = i.timeline.filter((e) => e.kind === 'stale_update');
  assert.equal(stale.length, 1, JSON.stringify(i.timeline));
  assert.equal(stale[0].data.source, 'answer');
  assert.equal(stale[0].data.status, 'new');
  assert.ok(i.timeline.some((e) => e.kind === 'accepted'), 'its external id still holds');
  assert.equal((await view(s, t, 'acme')).status, 'assigned');
});
