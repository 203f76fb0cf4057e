-- report-history.sql - a history of closed tickets for the reports, made
-- in bulk with SQL: `make bench-report` (tests/bench/report.sh) loads a
-- year of 100,000 and times the reports over it; the quick start
-- (deploy/quickstart.sh) loads the last 30 days of a few hundred, so its
-- reports are not empty. Synthetic but shaped like the broker's rows:
-- types and priorities in fixed proportions (priority 1 1%, 2 5%, 3 30%,
-- 4 44%, 5 20%), an acknowledgement after 1 to 120 minutes and a
-- resolution after 15 minutes to 4 hours (priorities 1 and 2: the
-- outages) or 30 minutes to 50 hours (wall clock, against the targets
-- below), a leg to the first supplier on every ticket and to the second
-- on every fifth, some rejected, re-routed or reopened, the timeline
-- entries a ticket gets, and the API calls of each leg (some 429s and
-- 503s). The triggers run as for the broker's own rows: each timeline
-- entry is chained into its ticket's audit trail (migration 029).
-- psql variables: count, first_at and last_at (the span the tickets are
-- spread over), service (its id), first and second (supplier ids).
BEGIN;
CREATE TEMP TABLE g ON COMMIT DROP AS
 SELECT n, gen_random_uuid() AS id,
  :'first_at'::timestamptz + (n - 1) * ((:'last_at'::timestamptz - :'first_at'::timestamptz) / :count)
   AS at,
  (ARRAY['incident', 'incident', 'incident', 'request', 'request', 'change', 'problem'])[1 + n % 7]
   AS type,
  CASE WHEN n % 100 < 1 THEN 1 WHEN n % 100 < 6 THEN 2 WHEN n % 100 < 36 THEN 3
       WHEN n % 100 < 80 THEN 4 ELSE 5 END AS priority,
  (n * 37) % 120 + 1 AS ack_min,
  CASE WHEN n % 100 < 6 THEN (n * 53) % 240 + 15 ELSE (n * 53) % 3000 + 30 END AS resolve_min
 FROM generate_series(1, :count) n;
-- The SLA's targets (response, resolution) and the contract's
-- (acknowledge, resolve), in minutes, by priority; NULL: none.
CREATE TEMP TABLE t ON COMMIT DROP AS
 SELECT g.*, (ARRAY[30, 60, 240, 480])[priority] AS resp_t, (ARRAY[480, 960, 2880, 5760])[priority] AS res_t,
  (ARRAY[15, 30, 60])[priority] AS ack_t, (ARRAY[240, 480, 1440])[priority] AS fix_t
 FROM g;
INSERT INTO tickets (id, number, type, customer_id, service_id, chain_version, summary, description,
  impact, urgency, priority, status, consolidated, created_at, updated_at, resolved_at, closed_at,
  sla_response_min, sla_response_due, sla_response_at, sla_response_met,
  sla_resolution_min, sla_resolution_due, sla_resolution_at, sla_resolution_met, sla_held)
 SELECT t.id, 'RPT-' || t.id, t.type, s.customer_id, s.id, s.chain_version,
  'History ticket ' || t.n, 'Loaded by report-history.sql.',
  least(3, t.priority), t.priority - least(3, t.priority) + 1, t.priority, 'closed', 'closed',
  t.at, t.at, t.at + t.resolve_min * interval '1 minute', t.at + interval '2 days',
  t.resp_t, t.at + t.resp_t * interval '1 minute', t.at + t.ack_min * interval '1 minute',
  CASE WHEN t.resp_t IS NOT NULL THEN t.ack_min <= t.resp_t END,
  t.res_t, t.at + t.res_t * interval '1 minute', t.at + t.resolve_min * interval '1 minute',
  CASE WHEN t.res_t IS NOT NULL THEN t.resolve_min <= t.res_t END,
  jsonb_build_object('integrator', 600, 'customer', 0,
   'suppliers', jsonb_build_object(p.key, t.resolve_min * 60 - 600))
  || CASE WHEN t.resolve_min > t.res_t THEN jsonb_build_object('breach', jsonb_build_object(
       'integrator', 600, 'customer', 0, 'suppliers', jsonb_build_object(p.key, t.res_t * 60 - 600)))
     ELSE '{}' END
 FROM t, services s, suppliers p WHERE s.id = :'service'::uuid AND p.id = :'first'::uuid;
CREATE TEMP TABLE l ON COMMIT DROP AS
 SELECT t.*, gen_random_uuid() AS leg, x.supplier, x.second
 FROM t, LATERAL (VALUES (:'first'::uuid, false), (:'second'::uuid, true)) x(supplier, second)
 WHERE NOT x.second OR t.n % 5 = 0;
INSERT INTO legs (id, ticket_id, supplier_id, status, external_id, acknowledged, created_at,
  updated_at, ended, ended_at, sla_ack_min, sla_ack_due, sla_ack_at, sla_ack_met,
  sla_resolve_min, sla_resolve_due, sla_resolve_at, sla_resolve_met)
 SELECT l.leg, l.id, l.supplier, CASE WHEN l.n % 50 = 0 OR l.n % 70 = 0 THEN 'new' ELSE 'closed' END,
  'EXT-' || l.n || CASE WHEN l.second THEN '-2' ELSE '' END, true, l.at, l.at,
  CASE WHEN l.n % 50 = 0 THEN 'rejected' WHEN l.n % 70 = 0 THEN 'withdrawn' END,
  CASE WHEN l.n % 50 = 0 OR l.n % 70 = 0 THEN l.at + interval '3 minutes' END,
  l.ack_t, l.at + l.ack_t * interval '1 minute', l.at + l.ack_min * interval '1 minute',
  CASE WHEN l.ack_t IS NOT NULL THEN l.ack_min <= l.ack_t END,
  l.fix_t, l.at + l.fix_t * interval '1 minute', l.at + l.resolve_min * interval '1 minute',
  CASE WHEN l.fix_t IS NOT NULL THEN l.resolve_min <= l.fix_t END
 FROM l;
INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder, occurred_at, data)
 SELECT t.id, NULL, e.kind, e.vis, e.actor, 'integrator', t.at + e.after * interval '1 minute', '{}'::jsonb
 FROM t, LATERAL (VALUES ('received', 'customer', 'customer', 0), ('routed', 'integrator', 'system', 0),
   ('status_changed', 'customer', 'system', t.ack_min), ('status_changed', 'customer', 'system', t.resolve_min),
   ('closed', 'customer', 'system', 2880)) e(kind, vis, actor, after)
 UNION ALL
 SELECT l.id, l.leg, e.kind, 'supplier', 'system', 'integrator', l.at + e.after * interval '1 minute', '{}'::jsonb
 FROM l, LATERAL (VALUES ('delivered', 0, true), ('acknowledged', l.ack_min, true),
   ('leg_reopened', l.resolve_min + 60, l.n % 40 = 0)) e(kind, after, keep)
 WHERE e.keep;
INSERT INTO supplier_calls (supplier_id, at, kind, http_status)
 SELECT l.supplier, l.at + c.after * interval '1 second', c.kind, c.status
 FROM l, LATERAL (VALUES ('delivered', 1, 201, true), ('retryable', 0, 429, l.n % 20 = 0),
   ('retryable', 0, 503, l.n % 33 = 0)) c(kind, after, status, keep)
 WHERE c.keep;
COMMIT;
ANALYZE tickets;
ANALYZE legs;
ANALYZE events;
ANALYZE supplier_calls;
