/* queue_sql.h - the integrator's work queues as SQL predicates over a
 * ticket row aliased t: one definition each, shared by the ticket list's
 * state filter (store/rule_ticket.c) and the counts of GET /v1/queues
 * (store/tx_queue.c), so a count and its list never disagree. Store only. */
#ifndef KETEN_STORE_QUEUE_SQL_H
#define KETEN_STORE_QUEUE_SQL_H

/* The ticket waits in the integrator's triage queue: it has a triage leg
 * (no supplier) the broker did not end. */
#define KT_QUEUE_NEEDS_TRIAGE \
	"EXISTS (SELECT 1 FROM legs x WHERE x.ticket_id = t.id" \
	"  AND x.supplier_id IS NULL AND keten_leg_is_open(x.status, x.ended))"

/* A supplier escalated it to the integrator (reject without a way on). */
#define KT_QUEUE_ESCALATED "t.escalated_at IS NOT NULL"

/* A leg the sweep raised as delivery_delayed whose create has still not
 * gone through (pending or dead), on a ticket neither closed nor
 * cancelled. */
#define KT_QUEUE_DELIVERY_DELAYED \
	"(t.status NOT IN ('closed', 'cancelled') AND EXISTS (SELECT 1 FROM legs x" \
	"  WHERE x.ticket_id = t.id AND x.delivery_delayed_at IS NOT NULL AND x.ended IS NULL" \
	"  AND EXISTS (SELECT 1 FROM outbox y WHERE y.leg_id = x.id" \
	"   AND y.operation = 'create' AND y.state IN ('pending', 'dead'))))"

/* An SLA alert of the given level (a quoted SQL literal) on a ticket the
 * customer does not yet have back: not resolved, closed or cancelled. */
#define KT_QUEUE_SLA_ALERT(level) \
	"(t.consolidated NOT IN ('resolved', 'closed', 'cancelled') AND EXISTS (" \
	"  SELECT 1 FROM sla_alerts x WHERE x.ticket_id = t.id AND x.level = " level "))"

/* A target missed. */
#define KT_QUEUE_SLA_BREACHED KT_QUEUE_SLA_ALERT("'breach'")

/* A warning and no breach yet. */
#define KT_QUEUE_SLA_WARNING \
	"(" KT_QUEUE_SLA_ALERT("'warning'") " AND NOT " KT_QUEUE_SLA_BREACHED ")"

/* The list filter on $n (a text parameter, NULL: no filter) by queue name;
 * the names are the ones GET /v1/tickets?state= takes. */
#define KT_QUEUE_FILTER(n) \
	"(" n "::text IS NULL" \
	" OR (" n " = 'needs_triage' AND " KT_QUEUE_NEEDS_TRIAGE ")" \
	" OR (" n " = 'escalated' AND " KT_QUEUE_ESCALATED ")" \
	" OR (" n " = 'delivery_delayed' AND " KT_QUEUE_DELIVERY_DELAYED ")" \
	" OR (" n " = 'sla_breached' AND " KT_QUEUE_SLA_BREACHED ")" \
	" OR (" n " = 'sla_warning' AND " KT_QUEUE_SLA_WARNING "))"

#endif
