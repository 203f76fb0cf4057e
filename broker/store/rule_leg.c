/* rule_leg.c - one supplier statement about a leg, put in the order of
 * the supplier's clock and turned into row changes and timeline events
 * (see store/rule_leg.h): an update, or a rejection handed on to routing. */
#include "store/internal.h"
#include "store/row_event.h"
#include "store/row_leg.h"
#include "store/row_outbox.h"
#include "store/rule_comment.h"
#include "store/rule_leg.h"
#include "store/rule_route.h"
#include "store/rule_status.h"

int kt_store_leg_event(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const char *kind, const char *visibility, const char *actor,
		       const char *holder, const char *occurred_at, json_t *data,
		       struct kt_err *err)
{
	if (!holder)
		holder = leg_id ? KT_HOLDER_OF_LEG : "integrator";
	return kt_store_event_add(db, ticket_id, leg_id, kind, visibility, actor, holder,
				  occurred_at, data, NULL, NULL, err);
}

/* Appends an event about leg (data stolen, holder KT_HOLDER_OF_LEG) to ev,
 * the rows of kt_store_event_add_all; -1 when out of memory. */
static int push_event(json_t *ev, const char *ticket_id, const char *leg_id, const char *kind,
		      const char *visibility, const char *actor, const char *occurred_at,
		      json_t *data)
{
	return json_array_append_new(ev, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s*, s:o}",
		"i", (json_int_t)json_array_size(ev), "ticket_id", ticket_id, "leg_id", leg_id,
		"kind", kind, "visibility", visibility, "actor", actor, "holder", KT_HOLDER_OF_LEG,
		"occurred_at", occurred_at, "data", data));
}

/* The stale_update event: what the supplier said, and the time of the
 * update the leg already had. Of an answer only the status is stale. */
static int stale_event(json_t *ev, const char *leg_id, const char *ticket_id,
		       const char *actor, const struct kt_leg_change *c,
		       const struct kt_leg_row *b)
{
	int inbound = c->webhook_id != NULL;
	json_t *comment = inbound && c->comment
		? json_pack("{s:s, s:b}", "text", c->comment, "public", c->comment_public)
		: NULL;

	return push_event(ev, ticket_id, leg_id, "stale_update", "integrator", actor,
		c->occurred_at,
		json_pack("{s:s, s:s*, s:s*, s:s*, s:o*, s:s*, s:s, s:s*}",
			  "source", inbound ? "inbound" : "answer",
			  "webhook_id", c->webhook_id,
			  "status", c->has_status ? kt_status_name(c->status) : NULL,
			  "external_id", inbound ? c->external_id : NULL,
			  "comment", comment,
			  "occurred_at", c->occurred_at,
			  "last_applied_at", b->supplier_time,
			  "leg_ended", b->ended[0] ? b->ended : NULL));
}

/* The row of kt_store_leg_lock_set_all for c about leg_id. */
static json_t *change_row(size_t i, const char *leg_id, const struct kt_leg_change *c, int set)
{
	return json_pack("{s:I, s:s, s:s*, s:s*, s:s*, s:s*, s:b}", "i", (json_int_t)i,
			 "leg", leg_id, "webhook_id", c->webhook_id, "occurred_at", c->occurred_at,
			 "status", c->has_status ? kt_status_name(c->status) : NULL,
			 "external_id", c->external_id, "set", set);
}

/* Locks leg_id and, when set, applies c's external id and status
 * (kt_store_leg_lock_set_all), reading the leg as it was into *old. */
static int lock_set(struct kt_db *db, const char *leg_id, const struct kt_leg_change *c, int set,
		    struct kt_leg_row *old, int *new_ack, struct kt_err *err)
{
	json_t *rows = json_array();
	PGresult *res;

	if (!rows || json_array_append_new(rows, change_row(0, leg_id, c, set))) {
		json_decref(rows);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	res = kt_store_leg_lock_set_all(db, rows, err);
	json_decref(rows);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
	}
	kt_store_leg_row_read(res, 0, old, new_ack);
	PQclear(res);
	return KT_OK;
}

/* The events of c applied to a leg that was *old: stale_update when it was
 * stale, else accepted (first external id), supplier_update and
 * acknowledged (first status past new). Sets *status to the status that
 * applied (NULL: none) and *done when nothing more of c applies (a stale
 * word, but for an answer's external id). -1 when out of memory. */
static int change_events(json_t *ev, const char *leg_id, const char *ticket_id,
			 const char *actor, const struct kt_leg_change *c,
			 const struct kt_leg_row *old, int new_ack, const char **status, int *done)
{
	const char *ext = c->external_id;

	*status = c->has_status ? kt_status_name(c->status) : NULL;
	*done = 0;
	if (old->stale) {
		if (stale_event(ev, leg_id, ticket_id, actor, c, old))
			return -1;
		*done = c->webhook_id || !ext;
		*status = NULL;  /* an answer's external id still holds */
		if (*done)
			return 0;
	}
	if (old->ended[0])
		*status = NULL;  /* an answer's status echoes what we ended */
	if (ext && old->ext_null &&
	    push_event(ev, ticket_id, leg_id, "accepted", "supplier", actor, c->occurred_at,
		       json_pack("{s:s}", "external_id", ext)))
		return -1;
	if (*status && strcmp(old->status, *status) != 0 &&
	    push_event(ev, ticket_id, leg_id, "supplier_update", "supplier", actor, c->occurred_at,
		       json_pack("{s:s, s:s}", "from", old->status, "to", *status)))
		return -1;
	if (!old->acknowledged && new_ack &&
	    push_event(ev, ticket_id, leg_id, "acknowledged", "supplier", actor, c->occurred_at,
		       json_pack("{s:s?}", "status", *status)))
		return -1;
	return 0;
}

/* The supplier's comment of c, at its own time. */
static int add_comment(struct kt_db *db, const char *leg_id, const char *ticket_id,
		       const char *actor, const struct kt_leg_change *c, int *n_messages,
		       struct kt_err *err)
{
	const struct kt_supplier_comment sc = {
		.text = c->comment, .public = c->comment_public,
		.origin = c->comment_origin, .occurred_at = c->occurred_at,
	};

	return kt_store_comment_from_supplier(db, ticket_id, leg_id, actor, &sc, n_messages, err);
}

int kt_store_leg_update(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c, int *stale,
			int *n_messages, struct kt_err *err)
{
	const char *status;
	struct kt_leg_row old;
	int rc, new_ack, done;
	json_t *ev;

	if (stale)
		*stale = 0;
	if (lock_set(db, leg_id, c, 1, &old, &new_ack, err))
		return KT_ERR;
	if (old.stale && c->comment_unordered && c->comment && !c->has_status && !old.ended[0])
		return add_comment(db, leg_id, ticket_id, actor, c, n_messages, err);
	if (stale)
		*stale = old.stale;
	if (!(ev = json_array()) ||
	    change_events(ev, leg_id, ticket_id, actor, c, &old, new_ack, &status, &done)) {
		json_decref(ev);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	rc = kt_store_event_add_all(db, ev, err);
	json_decref(ev);
	if (rc != KT_OK || done)
		return rc;
	if (c->comment)
		rc = add_comment(db, leg_id, ticket_id, actor, c, n_messages, err);
	/* The consolidated status reads only the legs' statuses (and the
	 * ticket's own): unchanged unless this leg's changed. */
	if (rc == KT_OK && status && strcmp(old.status, status) != 0)
		rc = kt_store_status_refresh(db, ticket_id, actor, err);
	return rc;
}

/* Refreshes the consolidated status of the tickets of as whose leg status
 * changed (changed[i]), each once. */
static int refresh_changed(struct kt_db *db, const struct kt_leg_apply *as, size_t n,
			   const int *changed, struct kt_err *err)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		if (!changed[i])
			continue;
		while (j < i && !(changed[j] && strcmp(as[j].ticket_id, as[i].ticket_id) == 0))
			j++;
		if (j == i && kt_store_status_refresh(db, as[i].ticket_id, as[i].actor, err))
			return KT_ERR;
	}
	return KT_OK;
}

int kt_store_leg_apply_all(struct kt_db *db, const struct kt_leg_apply *as, size_t n,
			   struct kt_err *err)
{
	json_t *rows = json_array(), *ev = json_array();
	int *changed = calloc(n ? n : 1, sizeof(*changed));
	PGresult *res = NULL;
	int rc = KT_ERR, oom = !rows || !ev || !changed;

	if (n == 0)
		rc = KT_OK;
	for (size_t i = 0; !oom && i < n; i++)
		oom = json_array_append_new(rows, change_row(i, as[i].leg_id, as[i].c, 1)) != 0;
	if (oom)
		goto oom;
	if (n == 0 || !(res = kt_store_leg_lock_set_all(db, rows, err)))
		goto out;
	if ((size_t)PQntuples(res) != n) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
		goto out;
	}
	for (int r = 0; r < PQntuples(res); r++) {
		struct kt_leg_row old;
		const char *status;
		int new_ack, done;
		long long i = kt_store_leg_row_read(res, r, &old, &new_ack);
		const struct kt_leg_apply *a = &as[i];

		if (change_events(ev, a->leg_id, a->ticket_id, a->actor, a->c, &old, new_ack,
				  &status, &done))
			goto oom;
		changed[i] = !done && status && strcmp(old.status, status) != 0;
	}
	if (kt_store_event_add_all(db, ev, err) == KT_OK)
		rc = refresh_changed(db, as, n, changed, err);
	goto out;
oom:
	kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
out:
	PQclear(res);
	json_decref(rows);
	json_decref(ev);
	free(changed);
	return rc;
}

int kt_store_leg_reject(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c,
			const struct kt_leg_reject *rj, int *stale, int *n_messages,
			struct kt_err *err)
{
	struct kt_leg_change ext = {
		.external_id = c->external_id, .occurred_at = c->occurred_at,
		.webhook_id = c->webhook_id,
	};
	struct kt_leg_row old;
	enum kt_status status;
	int new_ack, rc;

	*stale = 0;
	if (lock_set(db, leg_id, c, 0, &old, &new_ack, err))
		return KT_ERR;
	if (old.stale) {
		json_t *ev = json_array();

		*stale = 1;
		if (!ev || stale_event(ev, leg_id, ticket_id, actor, c, &old)) {
			json_decref(ev);
			return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		}
		rc = kt_store_event_add_all(db, ev, err);
		json_decref(ev);
		return rc;
	}
	if (kt_status_parse(old.status, &status) != 0 ||
	    !kt_store_leg_is_open(status, old.ended[0] != '\0')) {
		kt_err_detail(err, "/reject", "the leg is %s; only an open leg can be rejected",
			      old.status);
		return kt_err_set(err, KT_EC_INVALID, "invalid_update", "leg is %s, not open", old.status);
	}
	/* The supplier's id and time of the rejection hold like an update's. */
	if (kt_store_leg_update(db, leg_id, ticket_id, actor, &ext, NULL, n_messages, err) ||
	    kt_store_leg_end(db, leg_id, "rejected", NULL, err) ||
	    kt_store_outbox_discard_unsent(db, leg_id, "rejected", actor, err) ||
	    kt_store_leg_event(db, ticket_id, leg_id, "rejected", "supplier", actor,
			       "integrator", c->occurred_at,
			       json_pack("{s:s, s:s*}", "reason", rj->reason,
					 "component", rj->component), err) ||
	    kt_store_route_rejected(db, ticket_id, leg_id, rj, actor, n_messages, err))
		return KT_ERR;
	return kt_store_status_refresh(db, ticket_id, actor, err);
}
