/* tx_notify.c - claiming and recording the outbox's notifications (see
 * store/tx_notify.h): one statement each, on outbox_notify_due_idx. */
#include "store/internal.h"
#include "store/tx_notify.h"

void kt_claimed_notice_release(struct kt_claimed_notice *m)
{
	free(m->id);
	free(m->token);
	free(m->ticket_id);
	free(m->webhook_id);
	free(m->endpoint);
	free(m->secret_ref);
	json_decref(m->delivery);
	free(m->payload);
	memset(m, 0, sizeof(*m));
}

/* Fills item (a struct kt_claimed_notice) from row i of a claim. */
static int notice_row(PGresult *res, int i, void *item, struct kt_err *err)
{
	struct kt_claimed_notice *m = item;
	char **cols[] = { &m->id, &m->token, &m->ticket_id, &m->webhook_id, &m->endpoint,
			  &m->secret_ref, &m->payload };

	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		if (!PQgetisnull(res, i, (int)c) &&
		    !(*cols[c] = strdup(PQgetvalue(res, i, (int)c))))
			return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	m->attempts = (int)strtol(PQgetvalue(res, i, 7), NULL, 10);
	m->used_ms = strtoll(PQgetvalue(res, i, 8), NULL, 10);
	if (!(m->delivery = json_loads(PQgetvalue(res, i, 9), 0, NULL)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return KT_OK;
}

static void notice_release(void *item)
{
	kt_claimed_notice_release(item);
}

int kt_store_notify_claim(struct kt_db *db, const char *owner, int limit, int lease_ms,
			  struct kt_claimed_notice **out, size_t *n, struct kt_err *err)
{
	char lim[16], lease[16];
	const char *params[] = { lim, owner, lease };
	void *items;
	int rc;

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(lease, sizeof(lease), "%d", lease_ms);
	/* A row that cannot be read: the leases taken run out, and the
	 * messages are claimed again then. */
	rc = kt_db_rows(db,
		"UPDATE outbox o SET lease_owner = $2, lease_token = gen_random_uuid(),"
		"  lease_until = now() + $3::integer * interval '1 millisecond',"
		"  attempts = o.attempts + 1, first_attempt_at = coalesce(o.first_attempt_at, now()),"
		"  updated_at = now()"
		" FROM (SELECT id FROM outbox WHERE leg_id IS NULL AND state = 'pending'"
		"   AND due_at <= now() AND (lease_until IS NULL OR lease_until < now())"
		"  ORDER BY due_at LIMIT $1::integer FOR UPDATE SKIP LOCKED) c"
		" WHERE o.id = c.id"
		" RETURNING o.id::text, o.lease_token::text, o.ticket_id::text, o.idempotency_key,"
		"  o.target ->> 'endpoint', o.target ->> 'secret_ref', o.payload::text, o.attempts,"
		"  (extract(epoch FROM now() - o.first_attempt_at) * 1000)::bigint - o.paused_ms,"
		"  jsonb_build_object('allow_addresses', o.target -> 'allow_addresses')::text",
		3, params, sizeof(**out), notice_row, notice_release, &items, n, err);
	*out = items;
	return rc;
}

int kt_store_notify_finish(struct kt_db *db, const char *id, const char *token,
			   const struct kt_outcome *o, const char *state, const char *kind,
			   int *stale, struct kt_err *err)
{
	char delay[24], credit[24], status[16];
	const char *params[] = { id, token, state, delay, credit, kind, o->code, o->message,
				 o->http_status ? status : NULL };
	PGresult *res;

	snprintf(delay, sizeof(delay), "%lld", o->retry_in_ms);
	snprintf(credit, sizeof(credit), "%lld", o->credit_ms);
	snprintf(status, sizeof(status), "%ld", o->http_status);
	/* The timeline entry keeps the ticket's current holder, as an SLA
	 * alert's does (keten_sla_alert). */
	res = kt_db_exec(db,
		"WITH u AS (UPDATE outbox o SET state = $3, lease_owner = NULL, lease_token = NULL,"
		"   lease_until = NULL, updated_at = now(), credited_until = now(),"
		"   paused_ms = o.paused_ms + $5::bigint,"
		"   outcome = jsonb_strip_nulls(jsonb_build_object('kind', $6::text, 'code', $7::text,"
		"    'message', $8::text, 'http_status', $9::integer,"
		"    'gave_up', CASE WHEN $3 = 'dead' AND $6 <> 'permanent' THEN 'retry_budget' END)),"
		"   due_at = CASE WHEN $3 = 'pending'"
		"    THEN now() + $4::bigint * interval '1 millisecond' ELSE o.due_at END"
		"  WHERE o.id = $1::bigint AND o.lease_token = $2::uuid AND o.leg_id IS NULL"
		"  RETURNING o.id, o.ticket_id, o.state, o.attempts, o.outcome, o.payload),"
		" e AS (INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at, data)"
		"  SELECT u.ticket_id, CASE u.state WHEN 'done' THEN 'sla_notified'"
		"    ELSE 'sla_notify_dead' END, 'integrator', 'system',"
		"   coalesce((SELECT ev.holder FROM events ev WHERE ev.ticket_id = u.ticket_id"
		"     ORDER BY ev.id DESC LIMIT 1), 'integrator'), now(),"
		"   jsonb_build_object('delivery_id', u.id::text, 'type', u.payload ->> 'type',"
		"    'clock', u.payload -> 'data' ->> 'clock', 'attempts', u.attempts,"
		"    'outcome', u.outcome)"
		"  FROM u WHERE u.state <> 'pending')"
		" SELECT count(*) FROM u",
		9, params, err);
	if (!res)
		return KT_ERR;
	*stale = strcmp(PQgetvalue(res, 0, 0), "1") != 0;
	PQclear(res);
	return KT_OK;
}
