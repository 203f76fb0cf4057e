// metrics.test.mjs - GET /metrics in the Prometheus text format, without a
// key: HTTP answers by route pattern (never the raw path), inbound verdicts
// through the simulator, idempotent replays, delivery outcomes, database
// reconnects after PostgreSQL dropped the broker's sessions; counters only
// go up. And the outbound ones after a supplier failed and recovered:
// re-sends, the latency histogram, the backlog gauges, the circuit state
// and delayed legs (durations shrunk in the config).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';
import { parse, scrape, value } from './lib/metrics.mjs';

let s;
before(async () => {
  s = await startStack({ config: {
    KETEN_BREAKER_FAILURES: '2', KETEN_BREAKER_OPEN_MS: '1500', KETEN_BREAKER_OPEN_MAX_MS: '1500',
    KETEN_DELIVERY_DELAYED_P1_MS: '1000', KETEN_DELIVERY_DELAYED_P2_MS: '1000',
    KETEN_DELIVERY_DELAYED_OTHER_MS: '1000',
  } });
});
after(async () => { await s.stop(); });

const incident = () => ticketBody(s, { summary: 'printer on fire', description: 'third floor',
  impact: 3, urgency: 3 });

const http = (route, method, status) => ['keten_http_requests_total', { route, method, status: String(status) }];

test('GET /metrics needs no key and speaks the text format 0.0.4', async () => {
  const r = await s.api('GET', '/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  for (const [name, type] of [['keten_http_requests_total', 'counter'],
    ['keten_inbound_deliveries_total', 'counter'], ['keten_idempotent_replays_total', 'counter'],
    ['keten_db_reconnects_total', 'counter'], ['keten_deliveries_total', 'counter'],
    ['keten_db_jobs_in_flight', 'gauge'], ['keten_resends_total', 'counter'],
    ['keten_delivery_latency_seconds', 'histogram'], ['keten_outbox_depth', 'gauge'],
    ['keten_outbox_oldest_age_seconds', 'gauge'], ['keten_circuit_state', 'gauge'],
    ['keten_delivery_delayed_total', 'counter'], ['keten_dispatch_rounds_total', 'counter'], ['keten_sweeps_total', 'counter']]) {
    assert.match(r.text, new RegExp(`^# HELP ${name} .+$`, 'm'));
    assert.match(r.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
  }
  parse(r.text);
  const after = await scrape(s);
  assert.ok(value(after, ...http('/metrics', 'GET', 200)) >= 1, 'the scrape itself is counted');
});

test('HTTP answers are counted by route pattern, method and status', async () => {
  const before = await scrape(s);
  assert.equal((await s.api('GET', '/healthz')).status, 200);
  assert.equal((await s.api('GET', '/v1/tickets')).status, 401);
  assert.equal((await s.api('GET', '/v1/tickets', { key: s.keys.acme })).status, 200);
  assert.equal((await s.api('GET', '/v1/no/such/thing-4711')).status, 404);
  // a path outside the API is a portal page (README "The portal")
  assert.equal((await s.api('GET', '/no/such/page-4711')).status, 404);
  assert.equal((await s.api('GET', '/v1/tickets/00000000-0000-4000-8000-000000000000', { key: s.keys.acme })).status, 404);
  const after = await scrape(s);
  const delta = (route, method, status) => value(after, ...http(route, method, status)) - value(before, ...http(route, method, status));
  assert.equal(delta('/healthz', 'GET', 200), 1);
  assert.equal(delta('/v1/tickets', 'GET', 401), 1);
  assert.equal(delta('/v1/tickets', 'GET', 200), 1);
  assert.equal(delta('unmatched', 'GET', 404), 1);
  assert.equal(delta('/(pages)', 'GET', 404), 1);
  assert.equal(delta('/v1/tickets/{}', 'GET', 404), 1);
  const routes = new Set(after.filter((x) => x.name === 'keten_http_requests_total').map((x) => x.labels.route));
  assert.ok(!routes.has('/v1/no/such/thing-4711'), 'the raw path is never a label');
  assert.ok(!routes.has('/no/such/page-4711'), 'a page\'s path is never a label');
  assert.ok(![...routes].some((r) => r.includes('00000000-0000')), 'ids are never labels');
});

test('an idempotent replay is counted once', async () => {
  const before = await scrape(s);
  const key = `metrics-${Date.now()}`;
  const body = incident();
  const a = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body, headers: { 'idempotency-key': key } });
  assert.equal(a.status, 201, a.text);
  const b = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body, headers: { 'idempotency-key': key } });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.text, a.text);
  const after = await scrape(s);
  assert.equal(value(after, 'keten_idempotent_replays_total') - value(before, 'keten_idempotent_replays_total'), 1);
  assert.equal(value(after, ...http('/v1/tickets', 'POST', 201)) - value(before, ...http('/v1/tickets', 'POST', 201)), 2);
});

test('inbound verdicts and delivery outcomes are counted per supplier', async () => {
  const before = await scrape(s);
  const t = (await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: incident() })).json;
  const leg = (await eventually(async () => (await s.sims.netco.tickets()).find((x) => x.keten_ticket === t.id),
    15000, 'the netco ticket')).leg_id;
  const r = await s.sims.netco.send({ leg_id: leg, status: 'assigned' });
  assert.equal(r.body.result, 'applied');
  const dup = await s.sims.netco.send({ leg_id: leg, status: 'assigned', webhook_id: r.webhook_id });
  assert.equal(dup.body.result, 'duplicate');
  const bad = await s.sims.netco.send({ leg_id: leg, status: 'resolved',
    secret: 'whsec_' + Buffer.from('not the secret at all!!').toString('base64') });
  assert.equal(bad.status, 401);
  const after = await eventually(async () => {
    const m = await scrape(s);
    return value(m, 'keten_deliveries_total', { supplier: 'netco', outcome: 'delivered' }) >
      value(before, 'keten_deliveries_total', { supplier: 'netco', outcome: 'delivered' }) && m;
  }, 15000, 'the delivery to netco to be counted');
  const inbound = (verdict) => value(after, 'keten_inbound_deliveries_total', { supplier: 'netco', verdict }) -
    value(before, 'keten_inbound_deliveries_total', { supplier: 'netco', verdict });
  assert.equal(inbound('applied'), 1);
  assert.equal(inbound('duplicate'), 1);
  assert.equal(inbound('rejected'), 1);
  assert.equal(inbound('stale'), 0);
  assert.equal(value(after, ...http('/v1/inbound/{}', 'POST', 200)) - value(before, ...http('/v1/inbound/{}', 'POST', 200)), 2);
  assert.ok(value(after, 'keten_deliveries_total', { supplier: 'hostco', outcome: 'delivered' }) >= 1);
  // An unknown supplier in the path is no label of its own.
  const u = await s.api('POST', '/v1/inbound/nosuchsupplier', { body: {} });
  assert.equal(u.status, 401);
  const later = await scrape(s);
  assert.ok(!later.some((x) => x.labels.supplier === 'nosuchsupplier'));
  assert.equal(value(later, 'keten_inbound_deliveries_total', { supplier: '_unknown', verdict: 'rejected' }) -
    value(after, 'keten_inbound_deliveries_total', { supplier: '_unknown', verdict: 'rejected' }), 1);
  // Counters never go down between scrapes.
  for (const x of after) {
    if (x.name.endsWith('_total')) assert.ok(value(later, x.name, x.labels) >= x.value, JSON.stringify(x));
  }
  for (const pool of ['api', 'dispatch']) {
    assert.ok(later.some((x) => x.name === 'keten_db_jobs_in_flight' && x.labels.pool === pool), pool);
    assert.ok(value(later, 'keten_db_jobs_in_flight', { pool }) >= 0);
  }
});

test('sessions PostgreSQL dropped are counted when they reconnect', async () => {
  const before = await scrape(s);
  await psql(s.db, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  // The first request on a dropped session fails (503); a later one reconnects.
  await eventually(async () => (await s.api('GET', '/readyz')).status === 200 &&
    value(await scrape(s), 'keten_db_reconnects_total', { pool: 'api' }) >
      value(before, 'keten_db_reconnects_total', { pool: 'api' }), 15000, 'an api reconnect');
  await eventually(async () => value(await scrape(s), 'keten_db_reconnects_total', { pool: 'dispatch' }) >
      value(before, 'keten_db_reconnects_total', { pool: 'dispatch' }), 15000, 'a dispatch reconnect');
});

test('re-sends, latency, backlog, circuit and delayed legs after a supplier failed and recovered', async () => {
  const sup = { supplier: 'hostco' };
  const lat = (m, suffix, labels = {}) => value(m, `keten_delivery_latency_seconds${suffix}`, { ...sup, ...labels });
  const before = await scrape(s);
  await s.sims.hostco.mode({ mode: 'status', status: 503 });
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: { ...incident(), component: 'hosting' } });
  assert.equal(r.status, 201, r.text);
  const t0 = Date.now();
  // Down: two failures open its circuit; the backlog shows in the gauges
  // (refreshed by the sweep), and the create overdue after 1 s is raised.
  const down = await eventually(async () => {
    const m = await scrape(s);
    return value(m, 'keten_circuit_state', sup) === 2 && value(m, 'keten_outbox_depth', sup) >= 1 &&
      value(m, 'keten_outbox_oldest_age_seconds', sup) >= 1 &&
      value(m, 'keten_delivery_delayed_total') > value(before, 'keten_delivery_delayed_total') && m;
  }, 15000, 'the open circuit, the backlog and the delayed leg');
  assert.ok(value(down, 'keten_outbox_oldest_age_seconds', sup) <= (Date.now() - t0) / 1000 + 1);
  assert.equal(value(down, 'keten_circuit_state', { supplier: 'netco' }), 0);
  await s.sims.hostco.mode({ mode: 'normal' });
  await eventually(async () => (await s.sims.hostco.tickets()).some((x) => x.keten_ticket === r.json.id),
    15000, 'the delivery after recovery');
  const after = await eventually(async () => {
    const m = await scrape(s);
    return value(m, 'keten_outbox_depth', sup) === 0 && value(m, 'keten_circuit_state', sup) === 0 &&
      lat(m, '_count') > lat(before, '_count') && m;
  }, 15000, 'the drained backlog and the closed circuit');
  assert.equal(value(after, 'keten_outbox_oldest_age_seconds', sup), 0);
  // After a 503 the create is in doubt: looked up first (not a re-send),
  // then sent again once the lookup found nothing.
  assert.ok(value(after, 'keten_resends_total', sup) - value(before, 'keten_resends_total', sup) >= 1,
    'the failed create went again');
  assert.equal(value(after, 'keten_resends_total', { supplier: 'netco' }) -
    value(before, 'keten_resends_total', { supplier: 'netco' }), 0, 'nothing went twice to netco');
  // The delivery waited out at least one open period (1.5 s): above the
  // 1 s bucket; the histogram stays cumulative and consistent.
  assert.equal(lat(after, '_count') - lat(before, '_count'), 1);
  assert.equal(lat(after, '_bucket', { le: '1.000' }) - lat(before, '_bucket', { le: '1.000' }), 0);
  assert.equal(lat(after, '_bucket', { le: '+Inf' }), lat(after, '_count'));
  assert.ok(lat(after, '_sum') - lat(before, '_sum') >= 1.5, `${lat(after, '_sum') - lat(before, '_sum')} s`);
  let prev = 0;
  for (const x of after.filter((y) => y.name === 'keten_delivery_latency_seconds_bucket' && y.labels.supplier === 'hostco')) {
    assert.ok(x.value >= prev, 'buckets are cumulative');
    prev = x.value;
  }
});
