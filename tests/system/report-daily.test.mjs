// report-daily.test.mjs - GET /v1/reports/services/{id}/daily, the
// console's availability chart: per UTC day the same availability figures
// as the service report of that one day (the same facts and formulas), the
// hand computation of two back-dated outages (one across midnight), the
// customer's own service only, and bad periods refused with 400.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chainDoc, psql } from './lib/harness.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';
import { fileTicket } from './lib/tickets.mjs';

// acme-workplace with a 24x7 SLA whose P1 and P2 incidents are outages.
function chain(sims) {
  const doc = chainDoc(sims);
  doc.services[0].sla = { service_hours: '24x7', availability_target: 99,
    outage: { types: ['incident'], priorities: [1, 2] },
    targets: { p2: { response_min: 60, resolution_min: 480 } } };
  return doc;
}

let s;
before(async () => { s = await startStack({ chain }); });
after(async () => { await s.stop(); });

const svc = () => s.services['acme-workplace'];
const daily = (query, key = s.keys.integrator, id = svc()) =>
  s.api('GET', `/v1/reports/services/${id}/daily?${query}`, { key });

// A P2 incident that was an outage from `from` to `to` (UTC).
async function outage(from, to) {
  const t = await fileTicket(s, 'vpn', 'outage', 1, 2);
  await psql(s.db, `UPDATE tickets SET created_at = '${from}', resolved_at = '${to}',
    consolidated = 'resolved' WHERE id = '${t.id}'`);
}

test('each day has the availability of its own one-day report', async () => {
  await outage('2026-03-02T10:00:00Z', '2026-03-02T12:00:00Z');
  await outage('2026-03-03T23:00:00Z', '2026-03-04T01:30:00Z');
  const r = await daily('from=2026-03-02&to=2026-03-05');
  assert.equal(r.status, 200, r.text);
  check('ServiceDailyReport', r.json);
  assert.equal(r.json.service.key, 'acme-workplace');
  assert.deepEqual(r.json.period, { from: '2026-03-02T00:00:00Z', to: '2026-03-05T00:00:00Z' });
  assert.deepEqual(r.json.days.map((d) => [d.from, d.to]), [
    ['2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z'],
    ['2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z'],
    ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']]);
  // By hand: 2 h, 1 h and 1.5 h down of 24 h agreed.
  assert.deepEqual(r.json.days.map((d) => [d.availability.downtime_s, d.availability.breaks,
    d.availability.outage_tickets, d.availability.agreed_service_s]),
  [[7200, 1, 1, 86400], [3600, 1, 1, 86400], [5400, 1, 1, 86400]]);
  assert.equal(r.json.days[0].availability.availability_pct, 91.67);
  assert.equal(r.json.days[0].availability.mtrs_s, 7200);
  for (const d of r.json.days) {
    const one = await s.api('GET', `/v1/reports/services/${svc()}?from=${d.from}&to=${d.to}`,
      { key: s.keys.integrator });
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(d.availability, one.json.availability, d.from);
  }
});

test('the customer reads its own service only; bad periods are refused', async () => {
  let r = await daily('from=2026-03-02&to=2026-03-03', s.keys.acme);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.days.length, 1);
  r = await daily('from=2026-03-02&to=2026-03-03', s.keys.globex);
  assert.equal(r.status, 404);
  r = await daily('from=2026-03-02&to=2026-03-03', s.keys.netco);
  assert.equal(r.status, 403);
  for (const q of ['from=2026-03-02T10:00:00Z&to=2026-03-03', 'from=2025-01-01&to=2026-03-01',
    'to=2026-03-03', 'from=2026-03-03&to=2026-03-02']) {
    r = await daily(q);
    assert.equal(r.status, 400, q);
    assert.equal(r.json.error.code, 'invalid_period', q);
  }
  r = await daily('from=2026-03-02&to=2026-03-03&format=csv');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_format');
  assert.equal((await daily('from=2026-01-01&to=2027-01-01')).json.days.length, 365);
});
