/* tx_health.c - the suppliers' health as the database sees it (see
 * store/tx_health.h): backlog and dead letters from the outbox, recent
 * calls from supplier_calls. A transaction file: one statement. */
#include "store/internal.h"
#include "store/tx_health.h"

json_t *kt_store_supplier_health(struct kt_db *db, struct kt_err *err)
{
	int found = 0;
	json_t *out;

	/* The outbox's partial indexes hold only pending and dead messages:
	 * the aggregate never reads the delivered history. */
	out = kt_db_json(db,
		"SELECT coalesce(json_agg(json_build_object('id', s.id, 'key', s.key,"
		"  'name', s.name, 'adapter', s.adapter, 'backlog', coalesce(q.pending, 0),"
		"  'oldest_pending_at', kt_ts(q.oldest),"
		"  'oldest_pending_s', floor(extract(epoch FROM now() - q.oldest))::bigint,"
		"  'dead', coalesce(q.dead, 0),"
		"  'last_hour', json_build_object('calls', coalesce(c.calls, 0),"
		"   'failed', coalesce(c.failed, 0), 'rate_limited', coalesce(c.limited, 0)),"
		"  'last_call', (SELECT json_build_object('at', kt_ts(x.at), 'kind', x.kind,"
		"    'http_status', x.http_status) FROM supplier_calls x"
		"   WHERE x.supplier_id = s.id ORDER BY x.at DESC LIMIT 1))"
		"  ORDER BY s.key), '[]'::json)"
		" FROM suppliers s"
		" LEFT JOIN (SELECT l.supplier_id, count(*) FILTER (WHERE o.state = 'pending') AS pending,"
		"   min(o.created_at) FILTER (WHERE o.state = 'pending') AS oldest,"
		"   count(*) FILTER (WHERE o.state = 'dead') AS dead"
		"  FROM outbox o JOIN legs l ON l.id = o.leg_id WHERE o.state IN ('pending', 'dead')"
		"  GROUP BY l.supplier_id) q ON q.supplier_id = s.id"
		" LEFT JOIN (SELECT supplier_id, count(*) AS calls,"
		"   count(*) FILTER (WHERE kind <> 'delivered') AS failed,"
		"   count(*) FILTER (WHERE http_status = 429) AS limited"
		"  FROM supplier_calls WHERE at > now() - interval '1 hour'"
		"  GROUP BY supplier_id) c ON c.supplier_id = s.id",
		0, NULL, &found, err);
	if (!out && !kt_err_isset(err))
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return out;
}
