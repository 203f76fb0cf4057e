-- history.sql - `make bench-growth` (tests/bench/run.sh growth): stored
-- tickets made in bulk, as the broker would have left them, in minutes
-- rather than the hours intake would take. Every new ticket is a copy of a
-- template: a real ticket whose creates were delivered (its legs, its
-- events and its outbox rows, done); copies get new ids, numbers HIS-n and
-- keys, and are spread back in time, n * 30 s before now. The rows are
-- consistent by construction, so the load skips the foreign-key triggers
-- (session_replication_role = replica, this transaction only), which
-- would otherwise take most of its time, and the audit trail's (migration
-- 029): a copy keeps its template's place and hashes in the trail, which
-- no bench verifies (they do not hash its own ids).
-- psql variables: template (the template ticket's id), first and last (the
-- range of n to make; numbers must not repeat across calls).
BEGIN;
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE h ON COMMIT DROP AS
 SELECT n, gen_random_uuid() AS id, now() - n * interval '30 seconds' AS at
 FROM generate_series(:first::bigint, :last::bigint) n;
CREATE TEMP TABLE hl ON COMMIT DROP AS
 SELECT h.n, h.id AS ticket_id, h.at, l.id AS template_leg, gen_random_uuid() AS id
 FROM h CROSS JOIN legs l WHERE l.ticket_id = :'template'::uuid;
INSERT INTO tickets (id, number, type, customer_id, service_id, chain_version, component_key,
  summary, description, impact, urgency, priority, status, consolidated, category, ci, hops,
  created_at, updated_at)
 SELECT h.id, 'HIS-' || lpad(h.n::text, 7, '0'), t.type, t.customer_id, t.service_id,
  t.chain_version, t.component_key, t.summary, t.description, t.impact, t.urgency, t.priority,
  t.status, t.consolidated, t.category, t.ci, t.hops, h.at, h.at
 FROM h CROSS JOIN tickets t WHERE t.id = :'template'::uuid;
INSERT INTO legs (id, ticket_id, supplier_id, component_key, status, external_id, hops, next_seq,
  acknowledged, created_at, updated_at)
 SELECT hl.id, hl.ticket_id, l.supplier_id, l.component_key, l.status,
  l.external_id || '-' || hl.n, l.hops, l.next_seq, l.acknowledged, hl.at, hl.at
 FROM hl JOIN legs l ON l.id = hl.template_leg;
INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder, occurred_at, recorded_at, data,
  chain_seq, chain_prev, chain_hash)
 SELECT h.id, hl.id, e.kind, e.visibility, e.actor, e.holder, h.at, h.at, e.data,
  e.chain_seq, e.chain_prev, e.chain_hash
 FROM h CROSS JOIN events e
 LEFT JOIN hl ON hl.n = h.n AND hl.template_leg = e.leg_id
 WHERE e.ticket_id = :'template'::uuid
 ORDER BY h.n, e.id;
INSERT INTO outbox (leg_id, supplier_id, seq, operation, idempotency_key, priority, state,
  attempts, due_at, outcome, history, first_attempt_at, payload, created_at, updated_at,
  chain_seq, chain_prev, chain_hash)
 SELECT hl.id, o.supplier_id, o.seq, o.operation, 'msg_' || replace(gen_random_uuid()::text, '-', ''),
  o.priority, o.state, o.attempts, hl.at, o.outcome, o.history, hl.at, o.payload, hl.at, hl.at,
  o.chain_seq, o.chain_prev, o.chain_hash
 FROM hl JOIN outbox o ON o.leg_id = hl.template_leg
 ORDER BY hl.n, o.id;
COMMIT;
