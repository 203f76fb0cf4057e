/* rule_service.c - the services a caller may see with what their health
 * reads (see store/rule_service.h), in one statement. A rule file: reads
 * services and their tickets. */
#include "store/internal.h"
#include "store/rule_service.h"

/* The tickets of service s that count ($3: "type/status" pairs). */
#define COUNTED \
	" FROM tickets t WHERE t.service_id = s.id AND (t.type, t.consolidated) IN" \
	"  (SELECT split_part(k, '/', 1), split_part(k, '/', 2) FROM unnest($3::text[]) AS k)"

json_t *kt_store_service_health(struct kt_db *db, const struct kt_principal *p,
				const char *kinds, int limit, const char *cursor,
				struct kt_err *err)
{
	char lim[16];
	const char *params[] = { kt_role_name(p->role), p->customer_id, kinds, cursor, lim };
	PGresult *res;
	json_t *items, *out;
	int rows;

	snprintf(lim, sizeof(lim), "%d", limit + 1);
	res = kt_db_exec(db,
		"SELECT json_build_object('id', s.id, 'key', s.key, 'name', s.name,"
		"  'counted', (SELECT count(*)" COUNTED "),"
		"  'top', (SELECT json_build_object('type', t.type, 'status', t.consolidated,"
		"    'priority', t.priority)" COUNTED " ORDER BY t.priority LIMIT 1)), s.key"
		" FROM services s"
		" WHERE ($1 = 'integrator' OR ($1 = 'customer' AND s.customer_id::text = $2))"
		" AND ($4::text IS NULL OR s.key > $4)"
		" ORDER BY s.key LIMIT $5::integer", 5, params, err);
	if (!res)
		return NULL;
	items = json_array();
	rows = PQntuples(res);
	for (int i = 0; i < rows && i < limit; i++) {
		json_t *v = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (v)
			json_array_append_new(items, v);
	}
	out = json_pack("{s:o, s:s?}", "items", items, "next_cursor",
			rows > limit ? PQgetvalue(res, limit - 1, 1) : NULL);
	PQclear(res);
	if (!out)
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return out;
}
