/* row_hub.c - the hub_subscriptions table (see store/row_hub.h). A row
 * file: writes only hub_subscriptions (reading its supplier beside it),
 * through the functions of migration 024. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/row_hub.h"

int kt_store_hub_sync_key(struct kt_db *db, const char *key, struct kt_err *err)
{
	const char *params[] = { key };

	return kt_db_cmd(db, "SELECT keten_hub_sync(id) FROM suppliers WHERE key = $1", 1,
			 params, err);
}

void kt_hub_row_release(struct kt_hub_row *r)
{
	if (!r)
		return;
	json_decref(r->supplier);
	free(r->callback);
	free(r->hub_id);
	memset(r, 0, sizeof(*r));
}

static void row_release(void *r)
{
	kt_hub_row_release(r);
}

/* Fills r from row i of a claim's result; KT_ERR when out of memory or
 * the row cannot be read. */
static int read_row(PGresult *res, int i, void *item, struct kt_err *err)
{
	struct kt_hub_row *r = item;

	snprintf(r->id, sizeof(r->id), "%s", PQgetvalue(res, i, 0));
	snprintf(r->token, sizeof(r->token), "%s", PQgetvalue(res, i, 1));
	r->wanted = PQgetvalue(res, i, 5)[0] == 't';
	r->failures = (int)strtol(PQgetvalue(res, i, 6), NULL, 10);
	if (!(r->callback = strdup(PQgetvalue(res, i, 3))) ||
	    (!PQgetisnull(res, i, 4) && !(r->hub_id = strdup(PQgetvalue(res, i, 4)))))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	if (!(r->supplier = json_loads(PQgetvalue(res, i, 2), 0, NULL)))
		return kt_err_set(err, KT_EC_INTERNAL, "unreadable_supplier",
				  "the claimed registration's supplier could not be read");
	return KT_OK;
}

int kt_store_hub_claim(struct kt_db *db, const char *node, int lease_ms, int limit,
		       struct kt_hub_row **out, size_t *n, struct kt_err *err)
{
	char lease[16], lim[16];
	const char *params[] = { node, lease, lim };
	void *items;
	int rc;

	snprintf(lease, sizeof(lease), "%d", lease_ms);
	snprintf(lim, sizeof(lim), "%d", limit);
	/* A row that cannot be read: the leases taken run out, and the rows
	 * are claimed again then. */
	rc = kt_db_rows(db,
		"SELECT id, lease_token, supplier, callback, hub_id, wanted, failures"
		" FROM keten_hub_claim($1, $2::integer, $3::integer)", 3, params,
		sizeof(**out), read_row, row_release, &items, n, err);
	*out = items;
	return rc;
}

int kt_store_hub_done(struct kt_db *db, const struct kt_hub_row *r, const char *hub_id,
		      int *recorded, struct kt_err *err)
{
	const char *params[] = { r->id, r->token, hub_id };

	return kt_db_bool(db, "SELECT keten_hub_done($1::uuid, $2::uuid, $3)", 3, params,
			recorded, err);
}

int kt_store_hub_later(struct kt_db *db, const struct kt_hub_row *r, long long delay_ms,
		       const char *error, int *recorded, struct kt_err *err)
{
	char delay[24];
	const char *params[] = { r->id, r->token, delay, error };

	snprintf(delay, sizeof(delay), "%lld", delay_ms);
	return kt_db_bool(db, "SELECT keten_hub_later($1::uuid, $2::uuid, $3::integer, $4)", 4,
			params, recorded, err);
}

json_t *kt_store_hub_of(struct kt_db *db, const char *key, struct kt_err *err)
{
	const char *params[] = { key };
	int found;
	json_t *v = kt_db_json(db,
		"SELECT COALESCE(json_agg(json_build_object("
		"  'state', CASE WHEN NOT wanted THEN 'removing'"
		"   WHEN hub_id IS NULL THEN 'registering' ELSE 'registered' END,"
		"  'callback', callback, 'hub_id', hub_id, 'endpoint', supplier ->> 'endpoint',"
		"  'failures', failures, 'last_error', last_error,"
		"  'next_due', kt_ts(next_due), 'registered_at', kt_ts(registered_at))"
		"  ORDER BY created_at, id), '[]')"
		" FROM hub_subscriptions WHERE supplier_key = $1", 1, params, &found, err);

	if (!v && !kt_err_isset(err))
		v = json_array();
	return v;
}
