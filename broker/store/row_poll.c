/* row_poll.c - the supplier_polls table (see store/row_poll.h). A row
 * file: writes only supplier_polls (reading its suppliers beside it),
 * through the lease functions of migration 018. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/row_poll.h"

void kt_poll_feed_release(struct kt_poll_feed *f)
{
	if (!f)
		return;
	free(f->page);
	json_decref(f->supplier);
	memset(f, 0, sizeof(*f));
}

static void feed_release(void *f)
{
	kt_poll_feed_release(f);
}

/* Fills f from row i of a claim's result; KT_ERR when out of memory or
 * the row cannot be read. */
static int read_feed(PGresult *res, int i, void *item, struct kt_err *err)
{
	struct kt_poll_feed *f = item;

	snprintf(f->supplier_id, sizeof(f->supplier_id), "%s", PQgetvalue(res, i, 0));
	snprintf(f->feed, sizeof(f->feed), "%s", PQgetvalue(res, i, 1));
	snprintf(f->token, sizeof(f->token), "%s", PQgetvalue(res, i, 2));
	f->has_cursor = !PQgetisnull(res, i, 3);
	f->cursor_ms = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	f->pass_since_ms = strtoll(PQgetvalue(res, i, 5), NULL, 10);
	f->failures = (int)strtol(PQgetvalue(res, i, 6), NULL, 10);
	if (!PQgetisnull(res, i, 4) && !(f->page = strdup(PQgetvalue(res, i, 4))))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	if (!(f->supplier = json_loads(PQgetvalue(res, i, 7), 0, NULL)))
		return kt_err_set(err, KT_EC_INTERNAL, "unreadable_supplier",
				  "the claimed supplier's row could not be read");
	return KT_OK;
}

int kt_store_poll_claim(struct kt_db *db, const char *node, int lease_ms,
			const json_t *feeds, int limit, struct kt_poll_feed **out,
			size_t *n, struct kt_err *err)
{
	char lease[16], lim[16], *map = json_dumps(feeds, JSON_COMPACT);
	const char *params[] = { node, lease, map, lim };
	void *items;
	int rc;

	*out = NULL;
	*n = 0;
	if (!map)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	snprintf(lease, sizeof(lease), "%d", lease_ms);
	snprintf(lim, sizeof(lim), "%d", limit);
	/* A row that cannot be read: the leases taken run out, and the feeds
	 * are claimed again then. */
	rc = kt_db_rows(db,
		"SELECT c.supplier_id, c.feed, c.lease_token,"
		" (extract(epoch FROM c.cursor_at) * 1000)::bigint, c.page,"
		" (extract(epoch FROM c.pass_since) * 1000)::bigint, c.failures,"
		" json_build_object('id', s.id, 'key', s.key, 'adapter', s.adapter,"
		"  'endpoint', s.endpoint, 'secret_ref', s.secret_ref, 'mapping', s.mapping,"
		"  'auth', s.auth, 'delivery', s.delivery, 'poll', s.poll)"
		" FROM keten_poll_claim($1, $2::integer, $3::jsonb, $4::integer) c"
		" JOIN suppliers s ON s.id = c.supplier_id",
		4, params, sizeof(**out), read_feed, feed_release, &items, n, err);
	free(map);
	*out = items;
	return rc;
}

int kt_store_poll_page(struct kt_db *db, const struct kt_poll_page_rec *r,
		       int *recorded, struct kt_err *err)
{
	char lease[16];
	const char *params[] = { r->f->supplier_id, r->f->feed, r->f->token, lease, r->since,
				 r->next_page, r->high_water, r->floor };

	snprintf(lease, sizeof(lease), "%d", r->lease_ms);
	return kt_db_bool(db,
		"SELECT keten_poll_page($1::uuid, $2, $3::uuid, $4::integer, $5::timestamptz, $6,"
		" $7::timestamptz, $8::timestamptz)", 8, params, recorded, err);
}

int kt_store_poll_later(struct kt_db *db, const struct kt_poll_feed *f, long long delay_ms,
			const char *error, int *recorded, struct kt_err *err)
{
	char delay[24];
	const char *params[] = { f->supplier_id, f->feed, f->token, delay, error };

	snprintf(delay, sizeof(delay), "%lld", delay_ms);
	return kt_db_bool(db,
		"SELECT keten_poll_later($1::uuid, $2, $3::uuid, $4::integer, $5)",
		5, params, recorded, err);
}

json_t *kt_store_poll_ages(struct kt_db *db, struct kt_err *err)
{
	int found;
	json_t *v = kt_db_json(db,
		"SELECT COALESCE(json_agg(json_build_object('supplier', s.key, 'feed', p.feed,"
		"  'age_ms', (extract(epoch FROM now() - p.cursor_at) * 1000)::bigint)"
		"  ORDER BY s.key, p.feed), '[]')"
		" FROM supplier_polls p JOIN suppliers s ON s.id = p.supplier_id"
		" WHERE s.poll IS NOT NULL AND p.cursor_at IS NOT NULL", 0, NULL, &found, err);

	if (!v && !kt_err_isset(err))
		v = json_array();
	return v;
}
