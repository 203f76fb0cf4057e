/* rule_ticket.h - reading tickets: the full record of one ticket, the
 * caller's list, and a service's tickets of some kinds (for its status).
 * A rule file: one statement over several tables each. */
#ifndef KETEN_STORE_RULE_TICKET_H
#define KETEN_STORE_RULE_TICKET_H

#include "http/auth.h"
#include "store/queue_sql.h"
#include "store/store.h"

/* The full record of ticket id (see model/view.h), if p may see it at all;
 * NULL with not_found "not_found" otherwise. New reference. Its
 * "timeline" is one page, as model/view.h's kt_view_timeline_page takes
 * it: at most limit + 1 entries with an id above after (0: from the
 * start), in id order, leaving out entries p's role can never see. */
json_t *kt_store_ticket_full(struct kt_db *db, const char *id,
			     const struct kt_principal *p, long long after, int limit,
			     struct kt_err *err);

/* The full record of the tickets selected by the WHERE clause that
 * follows (t the ticket; s, c its service and customer); columns: the
 * json record, created_at as text and as timestamptz, the id. Shared by
 * the one-ticket read, the lists and the dispatcher's claim
 * (store/tx_outbox.c), which reads each claimed message's ticket with it. */
#define KT_STORE_TICKET_JSON(with_timeline) \
	"SELECT json_build_object(" \
	" 'id', t.id, 'number', t.number, 'type', t.type, 'summary', t.summary," \
	" 'description', t.description, 'impact', t.impact, 'urgency', t.urgency," \
	" 'priority', t.priority, 'status', t.consolidated, 'own_status', t.status," \
	" 'component_key', t.component_key, 'chain_version', t.chain_version," \
	" 'category', t.category, 'ci', t.ci, 'hops', t.hops," \
	" 'escalated', t.escalated_at IS NOT NULL, 'escalated_at', kt_ts(t.escalated_at)," \
	" 'created_at', kt_ts(t.created_at), 'updated_at', kt_ts(t.updated_at)," \
	" 'customer', json_build_object('id', c.id, 'key', c.key, 'name', c.name)," \
	" 'service', json_build_object('id', s.id, 'key', s.key, 'name', s.name)," \
	" 'needs_triage', " KT_QUEUE_NEEDS_TRIAGE ", 'sla', keten_ticket_sla(t), 'sla_held', t.sla_held," \
	" 'legs', coalesce((SELECT json_agg(json_build_object(" \
	"   'id', l.id, 'status', l.status, 'external_id', l.external_id," \
	"   'component_key', l.component_key, 'hops', l.hops," \
	"   'ended', l.ended, 'ended_at', kt_ts(l.ended_at), 'ended_event', l.ended_event," \
	"   'delivery_delayed_at', kt_ts(l.delivery_delayed_at)," \
	"   'created_at', kt_ts(l.created_at), 'updated_at', kt_ts(l.updated_at)," \
	"   'supplier', CASE WHEN sp.id IS NULL THEN NULL ELSE" \
	"     json_build_object('id', sp.id, 'key', sp.key, 'name', sp.name," \
	"       'visibility', sp.visibility) END," \
	"   'delivery', (SELECT json_build_object('state', o.state, 'operation', o.operation," \
	"       'seq', o.seq, 'attempts', o.attempts, 'due_at', kt_ts(o.due_at), 'outcome', o.outcome)" \
	"     FROM outbox o WHERE o.leg_id = l.id" \
	"     ORDER BY o.state IN ('done', 'discarded')," \
	"       CASE WHEN o.state IN ('done', 'discarded') THEN -o.seq ELSE o.seq END" \
	"     LIMIT 1), 'sla', keten_leg_sla(l)" \
	"   ) ORDER BY l.created_at, l.id)" \
	"   FROM legs l LEFT JOIN suppliers sp ON sp.id = l.supplier_id" \
	"   WHERE l.ticket_id = t.id), '[]'::json)" \
	with_timeline \
	" ), kt_ts(t.created_at), t.created_at, t.id" \
	" FROM tickets t JOIN services s ON s.id = t.service_id" \
	" JOIN customers c ON c.id = t.customer_id"

/* What a list keeps; every member NULL: all the caller may see. */
struct kt_store_ticket_filter {
	const char *state;    /* a work queue of store/queue_sql.h:
			       * needs_triage, escalated, delivery_delayed,
			       * sla_breached, sla_warning */
	const char *statuses; /* a PostgreSQL text array literal of
			       * consolidated statuses ("{new,resolved}") */
	const char *types;    /* the same, of ticket types */
	const char *service;  /* a service's id or key */
	const char *q;        /* found in the summary or the number,
			       * ignoring case */
};

/* Up to limit tickets p may see that f keeps (NULL: all), newest first,
 * after cursor (NULL: from the start). Returns {"items": [full records
 * without timeline], "next_cursor": string|null}; 400 "invalid_cursor". */
json_t *kt_store_ticket_list(struct kt_db *db, const struct kt_principal *p,
			     int limit, const char *cursor,
			     const struct kt_store_ticket_filter *f, struct kt_err *err);

/* Up to limit full records (without timeline) of the tickets of service
 * service_id whose "type/consolidated status" is one of kinds (a
 * PostgreSQL text array literal such as "{incident/new,incident/assigned}"),
 * the most urgent first: by priority, then newest. New reference to a JSON
 * array. */
json_t *kt_store_ticket_of_service(struct kt_db *db, const char *service_id,
				   const char *kinds, int limit, struct kt_err *err);

/* Reads a list cursor, "<microseconds since the epoch>_<uuid>" of the
 * last item of a page: ts (tssz bytes) gets the digits, id (at least
 * KT_UUID_LEN + 1 bytes) the uuid; both "" for a NULL cursor. Pure (no
 * database). KT_ERR malformed "invalid_cursor" for any other text. */
int kt_store_ticket_cursor_parse(const char *cursor, char *ts, size_t tssz, char *id,
				 struct kt_err *err);

#endif
