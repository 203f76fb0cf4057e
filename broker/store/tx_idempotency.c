/* tx_idempotency.c - the transaction of a creating request guarded by
 * its Idempotency-Key: the advisory lock on caller + key, the kept answer
 * (table idempotency_keys) and the purge of expired ones. A
 * transaction file: kt_store_idempotency_create runs one BEGIN..COMMIT around the
 * caller's work (a rule such as kt_store_intake_ticket). */
#include "store/internal.h"
#include "store/tx_idempotency.h"

/* Takes the lock and, in a later statement (so its snapshot sees whatever
 * the previous holder committed), reads the kept answer into out;
 * out->body stays NULL when the key is new (or expired). */
static int lookup(struct kt_db *db, const struct kt_idempotency *idem, const char *ttl,
		  struct kt_store_answer *out, struct kt_err *err)
{
	const char *params[] = { idem->scope, idem->key, ttl };
	PGresult *res;
	int locked, rc = KT_ERR;

	res = kt_db_exec(db, "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))",
			 2, params, err);
	if (!res)
		return KT_ERR;
	locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!locked)
		return kt_err_set(err, KT_EC_CONFLICT, "idempotency_key_in_flight",
				  "a request with this idempotency key is still in progress");
	res = kt_db_exec(db,
		"SELECT target, encode(request_hash, 'hex'), status, body FROM idempotency_keys"
		" WHERE scope = $1 AND key = $2"
		"  AND created_at >= now() - make_interval(secs => $3::integer)",
		3, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) == 0) {
		rc = KT_OK;
	} else if (strcmp(PQgetvalue(res, 0, 0), idem->target) != 0 ||
		   strcmp(PQgetvalue(res, 0, 1), idem->request_hash) != 0) {
		kt_err_set(err, KT_EC_INVALID, "idempotency_key_reused",
			   "idempotency key was already used for a different request");
	} else if (!(out->body = strdup(PQgetvalue(res, 0, 3)))) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	} else {
		out->status = (int)strtol(PQgetvalue(res, 0, 2), NULL, 10);
		rc = KT_OK;
	}
	PQclear(res);
	return rc;
}

static int keep(struct kt_db *db, const struct kt_idempotency *idem,
		const struct kt_store_answer *a, struct kt_err *err)
{
	char status[8];
	const char *params[] = { idem->scope, idem->key, idem->target, idem->request_hash,
				 status, a->body };

	snprintf(status, sizeof(status), "%d", a->status);
	/* A conflict is only ever an expired answer: the lock keeps out
	 * every other writer of this key. */
	return kt_db_cmd(db,
		"INSERT INTO idempotency_keys (scope, key, target, request_hash, status, body)"
		" VALUES ($1, $2, $3, decode($4, 'hex'), $5::smallint, $6)"
		" ON CONFLICT (scope, key) DO UPDATE SET target = excluded.target,"
		"  request_hash = excluded.request_hash, status = excluded.status,"
		"  body = excluded.body, created_at = now()",
		6, params, err);
}

int kt_store_idempotency_create(struct kt_db *db, const struct kt_idempotency *idem, int ttl_s,
		    kt_store_create_fn work, void *arg, enum kt_store_writes writes,
		    struct kt_store_answer *out, struct kt_err *err)
{
	char ttl[16];

	out->status = 0;
	out->body = NULL;
	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	if (!idem && writes == KT_STORE_WRITES_ONE) {
		if (work(db, arg, out, err) == KT_OK)
			return KT_OK;
		free(out->body);
		out->body = NULL;
		return KT_ERR;
	}
	if (kt_db_begin(db, err))
		return KT_ERR;
	if (idem && lookup(db, idem, ttl, out, err))
		goto fail;
	if (out->body) {
		kt_db_rollback(db); /* a replay: nothing was written */
		return KT_OK;
	}
	if (work(db, arg, out, err))
		goto fail;
	if (idem && out->status >= 200 && out->status < 300 && keep(db, idem, out, err))
		goto fail;
	if (kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	kt_db_rollback(db);
	free(out->body);
	out->body = NULL;
	return KT_ERR;
}

int kt_store_idempotency_purge(struct kt_db *db, int ttl_s, int batch,
			       int *deleted, struct kt_err *err)
{
	return kt_db_purge(db, KT_DB_PURGE_SQL("idempotency_keys", "created_at"), ttl_s, batch,
			   deleted, err);
}
