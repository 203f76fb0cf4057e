// report.test.mjs - the service and supplier reports (issue 13, README
// "SLA and reports") end to end: incidents driven through a back-dated
// week of March 2026 (their start and timeline moved, the supplier's own
// times in its updates) give the availability, MTRS, MTBF, MTBSI, SLA
// compliance and breach attribution of the hand computation written
// below, to the second, in JSON and CSV; a customer reads its own
// service's report without the name of a supplier the chain hides, and
// nobody else's; the supplier scorecard counts a supplier's acknowledge
// latency, rejections, re-routes, reopens and its API's 429s; bad
// periods and formats are refused with 400.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startStack, chainDoc, psql, eventually } from './lib/harness.mjs';
import { deliveredTicket, update, view } from './lib/tickets.mjs';

// acme-workplace: Amsterdam office hours Mon-Fri 08:00-18:00 with Wed 11
// March 2026 off, P1 and P2 incidents count as outages, 95% availability
// agreed; netco (vpn, contract "gold", 24x7) hides its name from the
// customer.
function reportChain(sims) {
  const doc = chainDoc(sims);
  doc.suppliers[0].visibility = { name_to_customer: false };
  doc.suppliers[0].contracts = [{ key: 'gold', name: 'NetCo Gold', service_hours: '24x7',
    targets: { p1: { acknowledge_min: 15, resolve_min: 240 },
      p2: { acknowledge_min: 30, resolve_min: 480 }, p3: { acknowledge_min: 30, resolve_min: 960 } } }];
  const svc = doc.services[0];
  svc.sla = {
    service_hours: { timezone: 'Europe/Amsterdam', days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      from: '08:00', to: '18:00', holidays: ['2026-03-11'] },
    availability_target: 95,
    outage: { types: ['incident'], priorities: [1, 2] },
    targets: { p1: { response_min: 30, resolution_min: 240 }, p2: { response_min: 60, resolution_min: 480 },
      p3: { response_min: 240, resolution_min: 960 } },
  };
  svc.components[0].children[0].contract = 'gold';
  return doc;
}

let s;
before(async () => { s = await startStack({ chain: reportChain }); });
after(async () => { await s.stop(); });

// The week: Mon 9 March 2026 00:00 CET (UTC+1) to Mon 16 March 00:00.
const WEEK = 'from=2026-03-08T23:00:00Z&to=2026-03-15T23:00:00Z';
const H = 3600;
// Each JSON report as the API answers it, checked against the OpenAPI
// document's schema of its kind.
const openapi = JSON.parse(readFileSync(new URL('../../schemas/openapi.json', import.meta.url)));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: openapi.components });
async function report(what, id, query, who = 'integrator') {
  const r = await s.api('GET', `/v1/reports/${what}/${id}?${query}`, { key: s.keys[who] });
  if (r.status === 200 && r.json) {
    const validate = ajv.getSchema(`openapi#/components/schemas/${what === 'services' ? 'Service' : 'Supplier'}Report`);
    assert.ok(validate(r.json), `${JSON.stringify(validate.errors)}\n${r.text}`);
  }
  return r;
}

// One incident to netco's vpn, filed at P4 (no target) and moved to its
// start `at` (UTC); netco acknowledges and resolves at its own times; the
// ticket's status changes and resolution are put at them; then the
// priority it is reported at (impact, urgency) re-plans its clocks from
// the start over that timeline.
async function weekIncident(at, ack, resolved, impact, urgency) {
  const t = await deliveredTicket(s, { component: 'vpn', impact: 2, urgency: 3 });
  await psql(s.db, `UPDATE tickets SET created_at = '${at}' WHERE id = '${t.id}';
    UPDATE legs SET created_at = '${at}' WHERE ticket_id = '${t.id}';
    UPDATE events SET occurred_at = '${at}' WHERE ticket_id = '${t.id}'`);
  await update(s, t, 'netco', { status: 'in_progress', occurred_at: ack });
  await update(s, t, 'netco', { status: 'resolved', occurred_at: resolved });
  await psql(s.db, `UPDATE events sc SET occurred_at = coalesce((SELECT su.occurred_at FROM events su
      WHERE su.ticket_id = sc.ticket_id AND su.kind = 'supplier_update' AND su.id < sc.id
      ORDER BY su.id DESC LIMIT 1), sc.occurred_at)
    WHERE sc.ticket_id = '${t.id}' AND sc.kind = 'status_changed';
    UPDATE tickets SET resolved_at = '${resolved}' WHERE id = '${t.id}'`);
  const r = await s.api('POST', `/v1/tickets/${t.id}/priority`, { key: s.keys.integrator,
    body: { impact, urgency } });
  assert.equal(r.status, 200, r.text);
  return { ...t, sla: r.json.sla };
}

test('a back-dated week: availability, MTRS, MTBF, MTBSI, compliance and attribution', async () => {
  // T1 P2 Mon 09:00-11:00 CET, acknowledged 09:30 (30 min of 60: met),
  //    resolved after 2 h of 8: met.
  // T2 P2 Mon 10:00-12:00 CET, acknowledged 11:30 (90 min of 60:
  //    breached), resolved after 2 h: met. Overlaps T1: one break with it,
  //    Mon 09:00-12:00, 3 h.
  // T3 P1 Tue 17:00 CET - Thu 12:00 CET, acknowledged 17:10 (met). Its
  //    business time: Tue 17-18 (1 h), Wed a holiday, Thu 08-12 (4 h):
  //    5 h down, one break; resolution 5 h of 4: breached, due Thu 11:00
  //    CET (1 h Tue + 3 h Thu), all of it with netco: 4 h attributed.
  // T4 P3 Fri 10:00-11:00 CET, acknowledged 10:20: met and met; no outage.
  const t1 = await weekIncident('2026-03-09T08:00:00Z', '2026-03-09T08:30:00Z', '2026-03-09T10:00:00Z', 1, 2);
  const t2 = await weekIncident('2026-03-09T09:00:00Z', '2026-03-09T10:30:00Z', '2026-03-09T11:00:00Z', 2, 1);
  const t3 = await weekIncident('2026-03-10T16:00:00Z', '2026-03-10T16:10:00Z', '2026-03-12T11:00:00Z', 1, 1);
  await weekIncident('2026-03-13T09:00:00Z', '2026-03-13T09:20:00Z', '2026-03-13T10:00:00Z', 2, 2);
  assert.equal(t1.sla.response.state, 'met');
  assert.equal(t2.sla.response.state, 'breached');
  assert.deepEqual(t3.sla.resolution, { target_min: 240, due_at: '2026-03-12T10:00:00Z',
    stopped_at: '2026-03-12T11:00:00Z', met: false, state: 'breached' });

  const r = await report('services', s.services['acme-workplace'], WEEK);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.deepEqual(r.json.service, { id: s.services['acme-workplace'], key: 'acme-workplace',
    name: 'Workplace Acme' });
  assert.deepEqual(r.json.period, { from: '2026-03-08T23:00:00Z', to: '2026-03-15T23:00:00Z' });
  // Agreed: 4 working days (Wed is a holiday) x 10 h = 40 h. Down: 3 h +
  // 5 h = 8 h in 2 breaks. Availability (40 - 8) / 40 = 80% (target 95:
  // not met); MTRS 8 h / 2 = 4 h; MTBF (40 - 8) h / 2 = 16 h; MTBSI 40 h
  // / 2 = 20 h.
  assert.deepEqual(r.json.availability, {
    agreed_service_s: 40 * H, downtime_s: 8 * H, breaks: 2, availability_pct: 80,
    mtrs_s: 4 * H, mtbf_s: 16 * H, mtbsi_s: 20 * H,
    availability_target_pct: 95, target_met: false, outage_tickets: 3,
  });
  // Compliance: response met 3 of 4 (T2 late), resolution met 3 of 4 (T3).
  const c = r.json.compliance;
  assert.deepEqual(c.all, { tickets: 4, response: { met: 3, breached: 1, running: 0, met_pct: 75 },
    resolution: { met: 3, breached: 1, running: 0, met_pct: 75 } });
  assert.deepEqual(c.incident.p2, { tickets: 2, response: { met: 1, breached: 1, running: 0, met_pct: 50 },
    resolution: { met: 2, breached: 0, running: 0, met_pct: 100 } });
  assert.deepEqual(c.incident.p1.resolution, { met: 0, breached: 1, running: 0, met_pct: 0 });
  assert.deepEqual(c.incident.p3.response, { met: 1, breached: 0, running: 0, met_pct: 100 });
  assert.deepEqual(r.json.breach_attribution,
    { tickets: 1, integrator: 0, customer: 0, suppliers: { netco: 4 * H } });

  // The customer: the same figures, netco's share without its name.
  const a = await report('services', 'acme-workplace', WEEK, 'acme');
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json.availability, r.json.availability);
  assert.deepEqual(a.json.compliance, r.json.compliance);
  assert.deepEqual(a.json.breach_attribution,
    { tickets: 1, integrator: 0, customer: 0, suppliers: {}, other_suppliers: 4 * H });
  assert.doesNotMatch(a.text, /netco/i);

  // CSV: one metric a line, the same numbers.
  const csv = await report('services', 'acme-workplace', `${WEEK}&format=csv`);
  assert.equal(csv.status, 200, csv.text);
  assert.match(csv.headers['content-type'], /^text\/csv/);
  const lines = csv.text.trimEnd().split('\r\n');
  assert.equal(lines[0], 'metric,value');
  for (const want of ['service.key,acme-workplace', 'period.from,2026-03-08T23:00:00Z',
    'availability.agreed_service_s,144000', 'availability.downtime_s,28800',
    'availability.availability_pct,80', 'availability.mtrs_s,14400', 'availability.mtbf_s,57600',
    'availability.mtbsi_s,72000', 'availability.target_met,false',
    'compliance.incident.p2.response.met_pct,50', 'breach_attribution.suppliers.netco,14400'])
    assert.ok(lines.includes(want), `${want} in\n${csv.text}`);
  assert.ok(lines.every((l) => /^[a-z0-9_.]+,[^,]*$/.test(l) || l === 'metric,value'), csv.text);

  // A period with nothing in it: nothing down, no breaks, MTRS/MTBF/MTBSI null.
  const empty = await report('services', 'acme-workplace', 'from=2026-02-02&to=2026-02-09');
  assert.equal(empty.status, 200, empty.text);
  assert.deepEqual(empty.json.availability, { agreed_service_s: 50 * H, downtime_s: 0, breaks: 0,
    availability_pct: 100, mtrs_s: null, mtbf_s: null, mtbsi_s: null,
    availability_target_pct: 95, target_met: true, outage_tickets: 0 });
  assert.equal(empty.json.compliance.all.tickets, 0);

  // netco's scorecard for the week: 4 legs, acknowledged after 30, 90,
  // 10 and 20 min: median (20 + 30) / 2 = 25 min = 1500 s; p90 (linear
  // between ranks) 30 + 0.7 x (90 - 30) = 72 min = 4320 s. Its contract
  // (24x7): acknowledge within 30 min at P2/P3, 15 at P1: T2 late (90
  // min), the others met; resolve within 8 h at P2, 4 h at P1, 16 h at
  // P3: T3 late (Tue 16:00Z to Thu 11:00Z is 43 h), the others met. So
  // 2 of 4 legs breached a clock.
  const n = await report('suppliers', 'netco', WEEK);
  assert.equal(n.status, 200, n.text);
  assert.deepEqual(n.json.supplier, { id: await psql(s.db, "SELECT id FROM suppliers WHERE key = 'netco'"),
    key: 'netco', name: 'NetCo' });
  assert.equal(n.json.legs, 4);
  assert.deepEqual(n.json.acknowledge, { acknowledged: 4, latency_median_s: 1500, latency_p90_s: 4320,
    met: 3, breached: 1, running: 0 });
  assert.deepEqual(n.json.resolve, { met: 3, breached: 1, running: 0 });
  assert.deepEqual(n.json.breached, { legs: 2, of: 4, pct: 50 });
  assert.deepEqual(n.json.rejected, { legs: 0, pct: 0 });
  assert.deepEqual(n.json.breach_attribution, { tickets: 1, held_s: 4 * H });
  assert.deepEqual(n.json.api, { calls: 0, errors: 0, error_pct: null, rate_limited: 0,
    rate_limited_pct: null }, 'its calls were made today, not in March');
});

test('a supplier scorecard: 429s of its API, rejections, re-routes and reopens', async () => {
  const now = Date.now();
  const period = `from=${new Date(now - 3600e3).toISOString()}&to=${new Date(now + 3600e3).toISOString()}`;
  await s.sims.hostco.mode({ mode: 'status', status: 429, retry_after: '1' });
  const file = () => s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-workplace'], type: 'incident', summary: 'portal slow',
    description: 'report test', impact: 3, urgency: 3, component: 'hosting' } });
  const first = await file();
  assert.equal(first.status, 201, first.text);
  await eventually(async () => (await s.sims.hostco.received()).some((x) => x.answered === 429),
    15000, 'a 429 answered');
  await s.sims.hostco.mode({ mode: 'normal' });
  // A: delivered after the 429s, resolved, reopened by the customer.
  const a = await deliveredTicket(s, { component: 'hosting', impact: 3, urgency: 3 });
  await update(s, a, 'hostco', { status: 'resolved' });
  assert.equal((await s.api('POST', `/v1/tickets/${a.id}/reopen`, { key: s.keys.acme,
    body: { reason: 'still slow' } })).status, 200);
  // B: resolved. C: rejected. D: routed away to netco by the integrator.
  const b = await deliveredTicket(s, { component: 'hosting', impact: 3, urgency: 3 });
  await update(s, b, 'hostco', { status: 'resolved' });
  const c = await deliveredTicket(s, { component: 'hosting', impact: 3, urgency: 3 });
  const rej = await s.sims.hostco.send({ leg_id: c.legs.hostco, reject: { reason: 'not ours' } });
  assert.equal(rej.status, 200, JSON.stringify(rej));
  const d = await deliveredTicket(s, { component: 'hosting', impact: 3, urgency: 3 });
  const routed = await s.api('POST', `/v1/tickets/${d.id}/route`, { key: s.keys.integrator,
    body: { component: 'vpn', reason: 'vpn after all' } });
  assert.equal(routed.status, 200, routed.text);
  // Every call recorded: as many as hostco was sent (the first ticket's
  // create too, once delivered).
  await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
    JOIN suppliers p ON p.id = l.supplier_id WHERE p.key = 'hostco' AND o.state = 'pending'`) === '0',
  20000, 'hostco has nothing pending');
  const got = await s.sims.hostco.received();
  const limited = got.filter((x) => x.answered === 429).length;
  const failed = got.filter((x) => !(x.answered >= 200 && x.answered < 300)).length;
  assert.ok(limited >= 1);

  const r = await report('suppliers', 'hostco', period);
  assert.equal(r.status, 200, r.text);
  const pct = (x, y) => Math.round((10000 * x) / y) / 100;
  assert.deepEqual(r.json.api, { calls: got.length, errors: failed, error_pct: pct(failed, got.length),
    rate_limited: limited, rate_limited_pct: pct(limited, got.length) });
  assert.equal(r.json.legs, 5);
  assert.deepEqual(r.json.rejected, { legs: 1, pct: 20 });
  assert.deepEqual(r.json.rerouted, { legs: 1, pct: 20 });
  assert.deepEqual(r.json.reopened, { legs: 1, of: 2, pct: 50 });
  assert.equal(r.json.acknowledge.acknowledged, 2);
  assert.ok(r.json.acknowledge.latency_median_s >= 0 && r.json.acknowledge.latency_median_s < 600);
  assert.deepEqual(r.json.breached, { legs: 0, of: 0, pct: null }, 'hostco has no contract');
});

test('who may read which report', async () => {
  const svc = s.services['acme-workplace'];
  // another customer's service: 404, as if it did not exist
  let r = await report('services', svc, WEEK, 'globex');
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.code, 'not_found');
  assert.equal((await report('services', s.services['globex-hosting'], WEEK, 'globex')).status, 200);
  // scorecards are the integrator's; suppliers read no service report
  for (const who of ['acme', 'netco']) {
    r = await report('suppliers', 'netco', WEEK, who);
    assert.equal(r.status, 403, r.text);
  }
  assert.equal((await report('services', svc, WEEK, 'netco')).status, 403);
  assert.equal((await report('services', 'no-such-service', WEEK)).status, 404);
  assert.equal((await report('suppliers', 'no-such-supplier', WEEK)).status, 404);
  assert.equal((await s.api('GET', `/v1/reports/services/${svc}?${WEEK}`)).status, 401);
});

test('bad periods and formats: 400 with a JSON error', async () => {
  const svc = s.services['acme-workplace'];
  for (const [query, code] of [
    ['to=2026-03-15', 'invalid_period'],
    ['from=2026-03-08', 'invalid_period'],
    ['from=2026-03-08&to=2026-03-08', 'invalid_period'],
    ['from=2026-03-09&to=2026-03-08', 'invalid_period'],
    ['from=yesterday&to=2026-03-08', 'invalid_period'],
    ['from=2026-02-30&to=2026-03-08', 'invalid_period'],
    ['from=2026-03-08T25:00:00Z&to=2026-03-09', 'invalid_period'],
    ['from=2020-01-01&to=2026-01-01', 'invalid_period'],
    ['from=1969-12-31&to=1970-01-02', 'invalid_period'],
    [`${WEEK}&format=xlsx`, 'invalid_format'],
  ]) {
    for (const what of ['services', 'suppliers']) {
      const r = await report(what, what === 'services' ? svc : 'netco', query);
      assert.equal(r.status, 400, `${what} ${query}: ${r.text}`);
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.equal(r.json.error.code, code, `${what} ${query}`);
      assert.ok(r.json.error.message.length > 0);
    }
  }
});
