/* rule_comment.c - comments on tickets (see store/rule_comment.h): their
 * timeline events, the outbox comment messages that carry them to
 * suppliers with an origin marker, and the echo check of supplier
 * comments against what was sent to the same leg. A rule file. */
#include "store/internal.h"
#include "store/row_event.h"
#include "store/row_outbox.h"
#include "store/row_ticket.h"
#include "store/rule_comment.h"

#define ORIGIN_PREFIX "keten:event:"

/* Queues the comment of event event_id for the supplier of leg leg_id:
 * {"comment": {"text", "author", "origin"}}; the origin marker names the
 * event, so that an echo of it is recognised. */
static int queue_comment(struct kt_db *db, const char *leg_id, const char *event_id,
			 const char *text, const char *author, int *n_messages,
			 struct kt_err *err)
{
	char origin[64];
	json_t *payload;
	int rc;

	snprintf(origin, sizeof(origin), ORIGIN_PREFIX "%s", event_id);
	payload = json_pack("{s:{s:s, s:s, s:s}}", "comment", "text", text,
			    "author", author, "origin", origin);
	if (!payload)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	rc = kt_store_outbox_enqueue(db, leg_id, KT_OP_COMMENT, payload, n_messages, err);
	json_decref(payload);
	return rc;
}

/* Queues the comment of event event_id for the supplier of every open leg
 * of ticket_id, except the suppliers of leg but_leg (NULL: none). */
static int relay(struct kt_db *db, const char *ticket_id, const char *but_leg,
		 const char *event_id, const char *text, const char *author,
		 int *n_messages, struct kt_err *err)
{
	const char *params[] = { ticket_id, but_leg };
	PGresult *res = kt_db_exec(db,
		"SELECT l.id FROM legs l WHERE l.ticket_id = $1::uuid"
		" AND l.supplier_id IS NOT NULL"
		" AND keten_leg_is_open(l.status, l.ended)"
		" AND ($2::uuid IS NULL OR l.supplier_id IS DISTINCT FROM"
		"  (SELECT supplier_id FROM legs WHERE id = $2::uuid))"
		" ORDER BY l.created_at, l.id", 2, params, err);
	int rc = KT_OK;

	if (!res)
		return KT_ERR;
	for (int i = 0; i < PQntuples(res) && rc == KT_OK; i++)
		rc = queue_comment(db, PQgetvalue(res, i, 0), event_id, text, author, n_messages,
				   err);
	PQclear(res);
	return rc;
}

/* A leg of ticket_id that a comment may be addressed to: a supplier's,
 * not cancelled. Locks it (after the ticket). invalid "invalid_comment". */
static int check_leg(struct kt_db *db, const char *ticket_id, const char *leg_id,
		     struct kt_err *err)
{
	const char *params[] = { leg_id, ticket_id };
	PGresult *res = kt_db_exec(db,
		"SELECT 1 FROM legs WHERE id = $1::uuid AND ticket_id = $2::uuid"
		" AND supplier_id IS NOT NULL AND status <> 'cancelled' FOR UPDATE",
		2, params, err);
	int n;

	if (!res)
		return KT_ERR;
	n = PQntuples(res);
	PQclear(res);
	if (n == 1)
		return KT_OK;
	kt_err_detail(err, "/leg", "is not a live supplier leg of this ticket");
	return kt_err_set(err, KT_EC_INVALID, "invalid_comment", "the comment is not valid");
}

/* The ticket (locked by the caller) holds fewer than max comments and
 * notes, else invalid "too_many_comments". Counts at most max of them. */
static int check_room(struct kt_db *db, const char *ticket_id, int max, struct kt_err *err)
{
	char lim[16];
	const char *params[] = { ticket_id, lim };
	PGresult *res;
	long n;

	snprintf(lim, sizeof(lim), "%d", max);
	res = kt_db_exec(db,
		"SELECT count(*) FROM (SELECT 1 FROM events WHERE ticket_id = $1::uuid"
		" AND kind IN ('comment', 'note') LIMIT $2::int) c", 2, params, err);
	if (!res)
		return KT_ERR;
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (n < max)
		return KT_OK;
	return kt_err_set(err, KT_EC_INVALID, "too_many_comments",
			  "the ticket holds %d comments and notes, the most it may", max);
}

static const char *const to_names[] = {
	[KT_COMMENT_TO_CUSTOMER] = "customer",
	[KT_COMMENT_TO_SUPPLIER] = "supplier",
	[KT_COMMENT_TO_INTEGRATOR] = "integrator",
};

int kt_comment_to_parse(const char *name, enum kt_comment_to *out)
{
	for (size_t i = 0; i < sizeof(to_names) / sizeof(to_names[0]); i++)
		if (strcmp(name, to_names[i]) == 0) {
			*out = (enum kt_comment_to)i;
			return 0;
		}
	return -1;
}

int kt_store_comment_add(struct kt_db *db, const struct kt_principal *p,
			 const char *ticket_id, const struct kt_comment *c,
			 json_t **out, int *n_messages, struct kt_err *err)
{
	const char *kind = c->to == KT_COMMENT_TO_INTEGRATOR ? "note" : "comment";
	const char *leg = c->to == KT_COMMENT_TO_SUPPLIER ? c->leg_id : NULL;
	char status[32], actor[80], id[24], at[40];

	*n_messages = 0;
	kt_principal_actor(p, actor, sizeof(actor));
	if (kt_store_ticket_lock_for(db, ticket_id, p, status, err))
		return KT_ERR;
	if (c->to != KT_COMMENT_TO_INTEGRATOR &&
	    (strcmp(status, "closed") == 0 || strcmp(status, "cancelled") == 0))
		return kt_err_set(err, KT_EC_CONFLICT, "ticket_closed", "the ticket is %s", status);
	if (leg && check_leg(db, ticket_id, leg, err))
		return KT_ERR;
	if (check_room(db, ticket_id, c->max_comments, err))
		return KT_ERR;
	if (kt_store_event_add(db, ticket_id, leg, kind, to_names[c->to], actor, NULL, NULL,
			       json_pack("{s:s}", "text", c->text), id, at, err))
		return KT_ERR;
	if (c->to == KT_COMMENT_TO_CUSTOMER &&
	    relay(db, ticket_id, NULL, id, c->text, actor, n_messages, err))
		return KT_ERR;
	if (leg && queue_comment(db, leg, id, c->text, actor, n_messages, err))
		return KT_ERR;
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id,
			 "ticket_id", ticket_id, "kind", kind,
			 "visibility", to_names[c->to], "text", c->text,
			 "actor", actor, "occurred_at", at);
	if (*out && leg)
		json_object_set_new(*out, "leg_id", json_string(leg));
	return *out ? KT_OK : kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
}

/* Whether c is an echo of a comment sent to leg_id: by its origin marker
 * (preferred) or by its exact text. *how gets "origin" or "text" and of
 * (64 bytes) the origin of the message matched; *how NULL: no echo. */
static int find_echo(struct kt_db *db, const char *leg_id,
		     const struct kt_supplier_comment *c, const char **how,
		     char *of, struct kt_err *err)
{
	const char *params[] = { leg_id, c->text, c->origin };
	PGresult *res = kt_db_exec(db,
		"SELECT coalesce(o.payload->'comment'->>'origin' = $3, false),"
		"  o.payload->'comment'->>'origin'"
		" FROM outbox o WHERE o.leg_id = $1::uuid AND o.operation = 'comment'"
		"  AND (o.payload->'comment'->>'origin' = $3"
		"   OR o.payload->'comment'->>'text' = $2)"
		" ORDER BY 1 DESC, o.seq DESC LIMIT 1", 3, params, err);

	if (!res)
		return KT_ERR;
	*how = NULL;
	if (PQntuples(res) == 1) {
		*how = PQgetvalue(res, 0, 0)[0] == 't' ? "origin" : "text";
		snprintf(of, 64, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return KT_OK;
}

int kt_store_comment_from_supplier(struct kt_db *db, const char *ticket_id,
				   const char *leg_id, const char *actor,
				   const struct kt_supplier_comment *c,
				   int *n_messages, struct kt_err *err)
{
	const char *how;
	char of[64], id[24];

	if (find_echo(db, leg_id, c, &how, of, err))
		return KT_ERR;
	if (how)
		return kt_store_event_add(db, ticket_id, leg_id, "echo", "integrator", actor,
					  NULL, c->occurred_at,
					  json_pack("{s:s, s:b, s:s*, s:s, s:s}", "text", c->text,
						    "public", c->public, "origin", c->origin,
						    "matched", how, "of", of),
					  NULL, NULL, err);
	if (kt_store_event_add(db, ticket_id, leg_id, "comment",
			       c->public ? "customer" : "supplier", actor, NULL, c->occurred_at,
			       json_pack("{s:s, s:b}", "text", c->text, "public", c->public),
			       id, NULL, err))
		return KT_ERR;
	/* Other suppliers never learn who wrote it. */
	return c->public ? relay(db, ticket_id, leg_id, id, c->text, "supplier", n_messages, err)
			 : KT_OK;
}
