// sla.test.mjs - the SLA clocks end to end (issue 13, README "SLA
// clocks"): a new ticket gets its response and resolution due times from
// the SLA of its chain version and its leg the acknowledge and resolve due
// times of its supplier's contract, each party sees what it may; a ticket
// driven through a back-dated week (its start and the timeline moved into
// March 2026, the supplier's own times in its updates) gets the due times
// and verdicts of the hand computations written below, again after a
// priority change (re-planned from the start) and after a reopen (the
// resolution clock resumes); bad priority changes are refused and change
// nothing; warnings and breaches are recorded once each, at a state
// change or by the sweep of two nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, chainDoc, psql, eventually, keten, writeChain } from './lib/harness.mjs';
import path from 'node:path';
import { deliveredTicket, update, view, snapshot } from './lib/tickets.mjs';

// The test chain with an SLA on acme-workplace (Amsterdam office hours
// Mon-Fri 08:00-18:00, Christmas off) and netco's "gold" contract (24x7)
// on the vpn component.
function slaChain(sims) {
  const doc = chainDoc(sims);
  doc.suppliers[0].contracts = [{ key: 'gold', name: 'NetCo Gold', service_hours: '24x7',
    targets: { p2: { acknowledge_min: 15, resolve_min: 240 },
      p3: { acknowledge_min: 30, resolve_min: 4800 } } }];
  const svc = doc.services[0];
  svc.sla = {
    service_hours: { timezone: 'Europe/Amsterdam', days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      from: '08:00', to: '18:00', holidays: ['2026-12-25'] },
    targets: { p2: { response_min: 60, resolution_min: 480 },
      p3: { response_min: 240, resolution_min: 960 } },
  };
  svc.components[0].children[0].contract = 'gold';
  return doc;
}

let s;
const SWEEP = { KETEN_SLA_ALERT_INTERVAL_MS: '200' };
before(async () => { s = await startStack({ chain: slaChain, config: SWEEP }); });
after(async () => { await s.stop(); });

const HOUR = 3600 * 1000;
const priority = (t, who, impact, urgency) => s.api('POST', `/v1/tickets/${t.id}/priority`,
  { key: s.keys[who], body: { impact, urgency } });

test('a new ticket has its due times at once; each party sees its own clocks', async () => {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'incident', summary: 'VPN down',
    description: 'sla test', impact: 2, urgency: 2, component: 'vpn' } });
  assert.equal(r.status, 201, r.text);
  const { response, resolution } = r.json.sla;
  assert.equal(response.target_min, 240);
  assert.equal(resolution.target_min, 960);
  assert.equal(response.stopped_at, null);
  // business time never runs faster than the wall clock
  const created = Date.parse(r.json.created_at);
  assert.ok(Date.parse(response.due_at) >= created + 4 * HOUR - 2000, response.due_at);
  assert.ok(Date.parse(resolution.due_at) >= created + 16 * HOUR - 2000, resolution.due_at);
  assert.ok(Date.parse(resolution.due_at) > Date.parse(response.due_at));
  assert.ok(['running', 'breached'].includes(response.state));
  assert.equal(r.json.legs, undefined, 'the customer sees no legs');

  const customer = await view(s, r.json, 'acme');
  assert.deepEqual(customer.sla, r.json.sla);
  const supplier = await view(s, r.json, 'netco');
  assert.equal(supplier.sla, undefined, 'a supplier does not see the customer SLA');
  assert.equal(supplier.leg.sla.contract, 'gold');
  assert.equal(supplier.leg.sla.acknowledge.target_min, 30);
  assert.equal(supplier.leg.sla.resolve.target_min, 4800);
  // 24x7: the contract's due times are wall-clock minutes after the leg opened
  const integrator = await view(s, r.json, 'integrator');
  const leg = integrator.legs[0];
  const ack = Date.parse(leg.sla.acknowledge.due_at) - Date.parse(leg.created_at);
  assert.ok(Math.abs(ack - 30 * 60 * 1000) <= 2000, `acknowledge due ${ack} ms after the leg opened`);
  assert.deepEqual(integrator.sla, r.json.sla);
});

// Moves ticket t's start and every timeline entry so far to Fri
// 2026-03-06 17:00 CET (16:00Z).
async function backdate(t) {
  await psql(s.db, `UPDATE tickets SET created_at = '2026-03-06T16:00:00Z' WHERE id = '${t.id}';
    UPDATE legs SET created_at = '2026-03-06T16:00:00Z' WHERE ticket_id = '${t.id}';
    UPDATE events SET occurred_at = '2026-03-06T16:00:00Z' WHERE ticket_id = '${t.id}'`);
}

// Puts each status_changed entry of t at the time of the supplier update
// that caused it (the broker stamps its own entries with its own time).
async function statusAtSupplierTime(t) {
  await psql(s.db, `UPDATE events sc SET occurred_at = coalesce((SELECT su.occurred_at FROM events su
      WHERE su.ticket_id = sc.ticket_id AND su.kind = 'supplier_update' AND su.id < sc.id
      ORDER BY su.id DESC LIMIT 1), sc.occurred_at)
    WHERE sc.ticket_id = '${t.id}' AND sc.kind = 'status_changed'
     AND NOT (sc.data->>'from' = 'resolved' AND sc.data->>'to' = 'in_progress')`);
}

test('a back-dated week: due times and verdicts to the minute, a priority change and a reopen', async () => {
  const t = await deliveredTicket(s, { component: 'vpn' });
  await backdate(t);
  // netco: in progress Mon 09:30 CET, waiting on the customer Mon 13:00
  // to Tue 10:00, resolved Tue 15:00 (its own times, in UTC)
  await update(s, t, 'netco', { status: 'in_progress', occurred_at: '2026-03-09T08:30:00Z' });
  await update(s, t, 'netco', { status: 'pending_customer', occurred_at: '2026-03-09T12:00:00Z' });
  await update(s, t, 'netco', { status: 'in_progress', occurred_at: '2026-03-10T09:00:00Z' });
  await update(s, t, 'netco', { status: 'resolved', occurred_at: '2026-03-10T14:00:00Z' });
  await statusAtSupplierTime(t);

  // Raised to P2 (60 / 480 min), planned from the start, Fri 17:00 CET:
  // response due Fri 18:00 CET (17:00Z; the end of the day stays the end
  // of the day), answered Mon 09:30 after 1 h Fri + 1.5 h Mon: breached.
  // Resolution: Fri 17-18 (1 h) + Mon 08-13 (5 h), paused until Tue 10:00,
  // Tue 10-12 (2 h): due Tue 12:00 CET (11:00Z); resolved Tue 15:00 after
  // 11 h: breached.
  let r = await priority(t, 'acme', 1, 2);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.priority, 2);
  assert.deepEqual(r.json.sla.response, { target_min: 60, due_at: '2026-03-06T17:00:00Z',
    stopped_at: '2026-03-09T08:30:00Z', met: false, state: 'breached' });
  assert.deepEqual(r.json.sla.resolution, { target_min: 480, due_at: '2026-03-10T11:00:00Z',
    stopped_at: '2026-03-10T14:00:00Z', met: false, state: 'breached' });
  assert.ok(r.json.timeline.some((e) => e.kind === 'priority_changed' && e.from === 3 && e.to === 2));
  // The breach, attributed: who held it from the start to the due time
  // Tue 12:00 CET: the customer Mon 13-18 + Tue 08-10 = 7 h; netco Fri
  // 17-18 + Mon 08-13 + Tue 10-12 = 8 h (the 8 h of the target).
  const attributed = (await view(s, t, 'integrator')).sla_held.breach;
  assert.deepEqual(attributed, { integrator: 0, customer: 7 * 3600, suppliers: { netco: 8 * 3600 } });

  // Back to P3 (240 / 960 min): response due Fri 1 h + Mon 08-11 = Mon
  // 11:00 CET (10:00Z), answered after 2.5 h: met. Resolution: 6 h by the
  // pause, Tue 10-18 (8 h, 14 h), Wed 08-10 (2 h): due Wed 10:00 CET
  // (09:00Z); resolved after 11 h: met.
  r = await priority(t, 'integrator', 2, 2);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.sla, {
    response: { target_min: 240, due_at: '2026-03-09T10:00:00Z', stopped_at: '2026-03-09T08:30:00Z',
      met: true, state: 'met' },
    resolution: { target_min: 960, due_at: '2026-03-11T09:00:00Z', stopped_at: '2026-03-10T14:00:00Z',
      met: true, state: 'met' },
    paused: false,
  });
  // netco's contract, 24x7 from the leg's start Fri 16:00Z: acknowledge
  // (30 min) due 16:30Z, acknowledged Mon 08:30Z: breached. Resolve (80 h):
  // Fri 16:00Z to Mon 12:00Z is 68 h, paused to Tue 09:00Z, 12 h more: due
  // Tue 21:00Z; resolved Tue 14:00Z after 73 h: met.
  const leg = (await view(s, t, 'netco')).leg.sla;
  assert.deepEqual(leg, {
    contract: 'gold',
    acknowledge: { target_min: 30, due_at: '2026-03-06T16:30:00Z', stopped_at: '2026-03-09T08:30:00Z',
      met: false, state: 'breached' },
    resolve: { target_min: 4800, due_at: '2026-03-10T21:00:00Z', stopped_at: '2026-03-10T14:00:00Z',
      met: true, state: 'met' },
    paused: false,
  });
  const held = await view(s, t, 'integrator');
  assert.deepEqual(held.legs[0].sla, leg);
  // Who held it, in the SLA's business hours up to the resolution Tue
  // 15:00 CET: the customer Mon 13-18 + Tue 08-10 = 7 h; netco Fri 17-18
  // + Mon 08-13 + Tue 10-15 = 11 h; the integrator routed it at once.
  assert.deepEqual(held.sla_held, { integrator: 0, customer: 7 * 3600, suppliers: { netco: 11 * 3600 } },
    'met at P3: no breach to attribute');
  assert.equal((await view(s, t, 'acme')).sla_held, undefined, 'integrator only');

  // Reopened Thu 09:00 CET (08:00Z), resolved again Thu 10:00 CET: the
  // resolution clock resumes where it stopped (11 h), so 5 h were left
  // from Thu 09:00: due Thu 14:00 CET (13:00Z); used 12 h: met. (Starting
  // afresh at the reopen it would be due Fri 09:00 CET.)
  r = await s.api('POST', `/v1/tickets/${t.id}/reopen`, { key: s.keys.acme, body: { reason: 'still down' } });
  assert.equal(r.status, 200, r.text);
  await psql(s.db, `UPDATE events SET occurred_at = '2026-03-12T08:00:00Z' WHERE ticket_id = '${t.id}'
    AND (kind IN ('reopened', 'leg_reopened') OR (kind = 'status_changed' AND data->>'from' = 'resolved'))`);
  await update(s, t, 'netco', { status: 'resolved', occurred_at: '2026-03-12T09:00:00Z' });
  await statusAtSupplierTime(t);
  assert.equal((await priority(t, 'acme', 1, 2)).status, 200);
  r = await priority(t, 'acme', 2, 2);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.sla.resolution, { target_min: 960, due_at: '2026-03-12T13:00:00Z',
    stopped_at: '2026-03-12T09:00:00Z', met: true, state: 'met' });
  assert.equal(r.json.sla.response.state, 'met', 'the reopen does not restart the response clock');

  // Each late stop was recorded at the state change, against each target
  // it missed (P2's response and resolution; the leg's acknowledge at P2
  // and P3), once however many refreshes followed; integrator-only. (The
  // drive above also recorded breaches the clocks showed before the
  // timeline was moved back: what was true when they were recorded.)
  const i = await view(s, t, 'integrator');
  const alerts = (kind) => i.timeline.filter((e) => e.kind === kind)
    .map((e) => `${e.data.clock}/${e.data.target_min}${e.leg_id ? '/leg' : ''}`).sort();
  for (const want of ['acknowledge/15/leg', 'acknowledge/30/leg', 'resolution/480', 'response/60'])
    assert.ok(alerts('sla_breached').includes(want), want);
  for (const kind of ['sla_breached', 'sla_warning'])
    assert.equal(new Set(alerts(kind)).size, alerts(kind).length, `${kind} twice: ${alerts(kind)}`);
  assert.ok(alerts('sla_warning').includes('response/60'));
  assert.ok(!alerts('sla_breached').includes('response/240'), 'met in time: no breach');
  for (const who of ['acme', 'netco'])
    assert.ok(!(await view(s, t, who)).timeline.some((e) => e.kind.startsWith('sla_')), who);
});

test('waiting on the customer pauses the clocks: no due time while it lasts', async () => {
  const t = await deliveredTicket(s, { component: 'vpn' });
  await backdate(t);
  await update(s, t, 'netco', { status: 'in_progress', occurred_at: '2026-03-09T08:30:00Z' });
  await update(s, t, 'netco', { status: 'pending_customer', occurred_at: '2026-03-09T09:00:00Z' });
  await statusAtSupplierTime(t);
  // (a priority change there and back: the clocks computed again)
  assert.equal((await priority(t, 'acme', 1, 2)).status, 200);
  const r = await priority(t, 'acme', 2, 2);
  assert.equal(r.status, 200, r.text);
  // P3 resolution 16 h, 1 h Fri + 1 h Mon 08-09 CET used before the pause
  assert.equal(r.json.status, 'pending_customer');
  assert.deepEqual(r.json.sla.resolution, { target_min: 960, due_at: null, stopped_at: null,
    met: null, state: 'paused' });
  assert.equal(r.json.sla.response.state, 'met');
  assert.equal(r.json.sla.paused, true);
  // netco's resolve (80 h, 24x7): 65 h used by Mon 09:00Z, then paused
  const leg = (await view(s, t, 'netco')).leg.sla;
  assert.equal(leg.paused, true);
  assert.deepEqual(leg.resolve, { target_min: 4800, due_at: null, stopped_at: null,
    met: null, state: 'paused' });
  // a clock already past its target when the pause began stays breached
  const p2 = await priority(t, 'acme', 1, 2);
  assert.equal((await view(s, t, 'netco')).leg.sla.resolve.state, 'breached');
  assert.equal(p2.json.sla.resolution.state, 'paused', '2 h of 8 used: still paused');
});

test('bad priority changes are refused and change nothing; others may not', async () => {
  const t = await deliveredTicket(s, { component: 'vpn' });
  const before = await snapshot(s, t);
  for (const body of [{}, { impact: 0, urgency: 2 }, { impact: 2, urgency: '2' },
    { impact: 2, urgency: 2, priority: 1 }]) {
    const r = await s.api('POST', `/v1/tickets/${t.id}/priority`, { key: s.keys.acme, body });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.code, 'invalid_priority');
  }
  assert.equal((await priority(t, 'globex', 1, 1)).status, 404);
  assert.equal((await priority(t, 'netco', 1, 1)).status, 403);
  // the same priority again: nothing moves
  assert.equal((await priority(t, 'acme', 2, 2)).status, 200);
  assert.equal(await snapshot(s, t), before);
});

// Makes the stored acknowledge clock of ticket t's netco leg due as time
// passing would (no state change: only the sweep sees it): its warning 10
// minutes ago, its due time 1 minute ago.
async function ackOverdue(t) {
  await psql(s.db, `UPDATE legs SET sla_ack_warn = now() - interval '10 minutes',
    sla_ack_due = now() - interval '1 minute' WHERE id = '${t.legs.netco}'`);
}

const legAlerts = async (t) => await psql(s.db, `SELECT string_agg(e.kind || '/' || (e.data->>'clock'),
  ',' ORDER BY e.kind) FROM events e WHERE e.leg_id = '${t.legs.netco}' AND e.kind LIKE 'sla_%'`);

test('two nodes sweeping record a running clock\'s warning and breach once each', async () => {
  const second = await startNode(s, 'second', SWEEP);
  try {
    const t = await deliveredTicket(s, { component: 'vpn' });
    assert.equal(await legAlerts(t), '');
    await ackOverdue(t);
    await eventually(async () => await legAlerts(t) === 'sla_breached/acknowledge,sla_warning/acknowledge',
      15000, 'the warning and the breach recorded');
    // Both nodes swept since: a later ticket's alerts appear, the first
    // one's stay one each.
    const later = await deliveredTicket(s, { component: 'vpn' });
    await ackOverdue(later);
    await eventually(async () => (await legAlerts(later)).split(',').length === 2, 15000, 'later alerts');
    assert.equal(await legAlerts(t), 'sla_breached/acknowledge,sla_warning/acknowledge');
    assert.equal(await psql(s.db, `SELECT count(*) FROM sla_alerts WHERE leg_id = '${t.legs.netco}'`), '2');
    const ev = (await view(s, t, 'integrator')).timeline.find((e) => e.kind === 'sla_breached');
    assert.equal(ev.visibility, 'integrator');
    assert.equal(ev.data.target_min, 30);
    assert.ok(!(await view(s, t, 'netco')).timeline.some((e) => e.kind.startsWith('sla_')));
  } finally {
    await second.stop();
  }
});

test('a time zone this machine lacks is refused at import with its path, through the CLI and the API', async () => {
  const doc = slaChain(s.sims);
  doc.services[0].sla.service_hours.timezone = 'Europe/Amsterdm';
  doc.suppliers[0].contracts[0].service_hours = { timezone: 'Mars/Olympus_Mons', days: ['mon'],
    from: '08:00', to: '18:00' };
  const file = path.join(s.dir, 'bad-zone.json');
  writeChain(file, doc, 0);
  const before = await psql(s.db, 'SELECT max(version) FROM chain_versions');
  const r = keten(['chain', 'import', file], s.env);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /\/services\/0\/sla\/service_hours\/timezone: unknown time zone "Europe\/Amsterdm"/);
  assert.match(r.stderr, /\/suppliers\/0\/contracts\/0\/service_hours\/timezone: unknown time zone "Mars\/Olympus_Mons"/);
  assert.equal(await psql(s.db, 'SELECT max(version) FROM chain_versions'), before);

  const svc = await s.api('GET', `/v1/services/${s.services['acme-workplace']}`, { key: s.keys.integrator });
  assert.equal(svc.status, 200, svc.text);
  const body = { ...svc.json, sla: doc.services[0].sla };
  const put = await s.api('PUT', `/v1/services/${s.services['acme-workplace']}`, { key: s.keys.integrator, body });
  assert.equal(put.status, 422, put.text);
  assert.equal(put.json.error.code, 'invalid_chain');
  assert.deepEqual(put.json.error.details.map((d) => d.path), ['/sla/service_hours/timezone']);
});
