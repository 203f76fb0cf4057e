/* rule_ticket.h - reading tickets: the full record of one ticket, the
 * caller's list, and a service's tickets of some kinds (for its status).
 * A rule file: one statement over several tables each. */
#ifndef KETEN_STORE_RULE_TICKET_H
#define KETEN_STORE_RULE_TICKET_H

#include "http/auth.h"
#include "store/store.h"

/* The full record of ticket id (see model/view.h), if p may see it at all;
 * NULL with not_found "not_found" otherwise. New reference. Its
 * "timeline" is one page, as model/view.h's kt_view_timeline_page takes
 * it: at most limit + 1 entries with an id above after (0: from the
 * start), in id order, leaving out entries p's role can never see. */
json_t *kt_store_ticket_full(struct kt_db *db, const char *id,
			     const struct kt_principal *p, long long after, int limit,
			     struct kt_err *err);

/* The full records without timeline (as kt_store_ticket_full reads them
 * for the integrator, less "timeline") of the tickets ids names, a JSON
 * array of ticket ids, in one statement: a new object {ticket id: full
 * record}; a ticket that does not exist is left out. For the dispatcher,
 * which reads the tickets of a whole claim at once and sends suppliers
 * what changed, never the history: what it reads does not grow with a
 * ticket's timeline. */
json_t *kt_store_ticket_full_of(struct kt_db *db, const json_t *ids, struct kt_err *err);

/* What a list keeps; every member NULL: all the caller may see. */
struct kt_store_ticket_filter {
	const char *state;    /* "needs_triage": an open triage leg;
			       * "escalated": escalated to the integrator */
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
