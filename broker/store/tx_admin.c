/* tx_admin.c - what the integrator API reads and deletes of customers,
 * suppliers and services (one table of statements per kind), and the
 * versions of a service's chain. Objects are shown in the chain document's
 * format: the members its rules name (model/chain_doc.c), so a member added to
 * the document shows here without a change. A transaction file: the
 * delete is one BEGIN..COMMIT (a supplier's hub registration is given up
 * in it); the reads are single statements. */
#include "store/internal.h"
#include "store/row_hub.h"
#include "store/tx_admin.h"

/* One row as JSON (first column) and its key (second), per kind. */
#define CUSTOMER_ROW "SELECT to_jsonb(x), x.key FROM customers x"
#define SUPPLIER_ROW "SELECT to_jsonb(x), x.key FROM suppliers x"
#define SERVICE_ROW \
	"SELECT cv.document || jsonb_build_object('id', x.id," \
	"  'chain_version', x.chain_version), x.key" \
	" FROM services x JOIN chain_versions cv" \
	"  ON cv.service_id = x.id AND cv.version = x.chain_version"

/* $1 the id or the key; an id wins over a key that looks like one. */
#define FIND_WHERE " WHERE x.id::text = $1 OR x.key = $1 ORDER BY x.id::text = $1 DESC LIMIT 1"
/* $1 a key or NULL, $2 the number of rows. */
#define PAGE_WHERE \
	" WHERE $1::text IS NULL OR x.key COLLATE \"C\" > $1" \
	" ORDER BY x.key COLLATE \"C\" LIMIT $2::integer"

#define MAX_DELETES 4

struct table {
	const char *word;               /* "customer", for messages */
	const char *find_sql;           /* -> id, key, name, customer id or NULL */
	const char *get_sql;            /* $1 id -> row */
	const char *page_sql;           /* rows of a page */
	const char *lock_sql;           /* $1 id: locks the row */
	const char *refs_sql;           /* $1 id -> json {"what": count} */
	const char *delete_sql[MAX_DELETES]; /* $1 id, in this order */
};

static const struct table tables[] = {
	[KT_CHAIN_CUSTOMER] = {
		"customer",
		"SELECT x.id, x.key, x.name, NULL FROM customers x" FIND_WHERE,
		CUSTOMER_ROW " WHERE x.id = $1::uuid",
		CUSTOMER_ROW PAGE_WHERE,
		"SELECT 1 FROM customers WHERE id = $1::uuid FOR UPDATE",
		"SELECT json_build_object("
		" 'service', (SELECT count(*) FROM services WHERE customer_id = $1::uuid),"
		" 'ticket', (SELECT count(*) FROM tickets WHERE customer_id = $1::uuid))",
		{ "DELETE FROM api_keys WHERE customer_id = $1::uuid",
		  "DELETE FROM customers WHERE id = $1::uuid" },
	},
	[KT_CHAIN_SUPPLIER] = {
		"supplier",
		"SELECT x.id, x.key, x.name, NULL FROM suppliers x" FIND_WHERE,
		SUPPLIER_ROW " WHERE x.id = $1::uuid",
		SUPPLIER_ROW PAGE_WHERE,
		"SELECT 1 FROM suppliers WHERE id = $1::uuid FOR UPDATE",
		"SELECT json_build_object("
		" 'component', (SELECT count(*) FROM components"
		"   WHERE supplier_id = $1::uuid OR $1::uuid = ANY (alternates)),"
		" 'ticket', (SELECT count(DISTINCT ticket_id) FROM legs"
		"   WHERE supplier_id = $1::uuid))",
		{ "DELETE FROM api_keys WHERE supplier_id = $1::uuid",
		  "DELETE FROM inbound_deliveries WHERE supplier_id = $1::uuid",
		  "DELETE FROM suppliers WHERE id = $1::uuid",
		  KT_STORE_HUB_SYNC_SQL },
	},
	[KT_CHAIN_SERVICE] = {
		"service",
		"SELECT x.id, x.key, x.name, x.customer_id FROM services x" FIND_WHERE,
		SERVICE_ROW " WHERE x.id = $1::uuid",
		SERVICE_ROW PAGE_WHERE,
		"SELECT 1 FROM services WHERE id = $1::uuid FOR UPDATE",
		"SELECT json_build_object("
		" 'ticket', (SELECT count(*) FROM tickets WHERE service_id = $1::uuid))",
		{ "DELETE FROM components WHERE service_id = $1::uuid",
		  "DELETE FROM chain_versions WHERE service_id = $1::uuid",
		  "DELETE FROM services WHERE id = $1::uuid" },
	},
};

static int not_found(enum kt_chain_entity entity, struct kt_err *err)
{
	return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such %s", tables[entity].word);
}

static void copy_col(char *dst, size_t size, PGresult *res, int row, int col)
{
	snprintf(dst, size, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

int kt_store_admin_find(struct kt_db *db, enum kt_chain_entity entity,
			const char *ref, struct kt_store_entity *out,
			struct kt_err *err)
{
	const char *params[] = { ref };
	PGresult *res = kt_db_exec(db, tables[entity].find_sql, 1, params, err);

	if (!res)
		return KT_ERR;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return not_found(entity, err);
	}
	copy_col(out->id, sizeof(out->id), res, 0, 0);
	copy_col(out->key, sizeof(out->key), res, 0, 1);
	copy_col(out->name, sizeof(out->name), res, 0, 2);
	copy_col(out->customer_id, sizeof(out->customer_id), res, 0, 3);
	PQclear(res);
	return KT_OK;
}

/* The object of one row: "id", "chain_version" and the document's
 * members, in that order. New reference, or NULL when out of memory. */
static json_t *shape(enum kt_chain_entity entity, const char *text)
{
	static const char *const own[] = { "id", "chain_version" };
	json_t *row = json_loads(text, 0, NULL), *obj = json_object(), *v;
	const char *name;
	size_t i;

	if (!row || !obj)
		goto fail;
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if ((v = json_object_get(row, own[i])) && json_object_set(obj, own[i], v))
			goto fail;
	for (i = 0; (name = kt_chain_doc_member(entity, i)); i++)
		if ((v = json_object_get(row, name)) && !json_is_null(v) &&
		    json_object_set(obj, name, v))
			goto fail;
	json_decref(row);
	return obj;
fail:
	json_decref(row);
	json_decref(obj);
	return NULL;
}

json_t *kt_store_admin_get(struct kt_db *db, enum kt_chain_entity entity,
			   const char *id, struct kt_err *err)
{
	const char *params[] = { id };
	PGresult *res = kt_db_exec(db, tables[entity].get_sql, 1, params, err);
	json_t *obj = NULL;

	if (!res)
		return NULL;
	if (PQntuples(res) == 0)
		not_found(entity, err);
	else if (!(obj = shape(entity, PQgetvalue(res, 0, 0))))
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	PQclear(res);
	return obj;
}

json_t *kt_store_admin_list(struct kt_db *db, enum kt_chain_entity entity,
			    int limit, const char *cursor, struct kt_err *err)
{
	char lim[16];
	const char *params[] = { cursor, lim };
	PGresult *res;
	json_t *items = json_array(), *out = NULL, *obj;
	int rows, i;

	snprintf(lim, sizeof(lim), "%d", limit + 1);
	if (!items || !(res = kt_db_exec(db, tables[entity].page_sql, 2, params, err)))
		goto out;
	rows = PQntuples(res);
	for (i = 0; i < rows && i < limit; i++)
		if (!(obj = shape(entity, PQgetvalue(res, i, 0))) ||
		    json_array_append_new(items, obj))
			break;
	if (i < rows && i < limit)
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	else
		out = json_pack("{s:O, s:s?}", "items", items, "next_cursor",
				rows > limit ? PQgetvalue(res, limit - 1, 1) : NULL);
	PQclear(res);
out:
	json_decref(items);
	if (!out && !kt_err_isset(err))
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return out;
}

/* conflict "in_use" with a detail per kind of reference when anything refers
 * to entity id; KT_OK when nothing does. */
static int check_unused(struct kt_db *db, enum kt_chain_entity entity,
			const char *id, struct kt_err *err)
{
	const char *params[] = { id };
	json_t *refs = kt_db_json(db, tables[entity].refs_sql, 1, params, NULL, err), *n;
	const char *what;
	int used = 0;

	if (!refs)
		return KT_ERR;
	json_object_foreach(refs, what, n) {
		if (json_integer_value(n) == 0)
			continue;
		used = 1;
		kt_err_detail(err, "", "%lld %s(s) refer to it",
			      (long long)json_integer_value(n), what);
	}
	json_decref(refs);
	if (used)
		return kt_err_set(err, KT_EC_CONFLICT, "in_use", "%s is in use: nothing was deleted",
				  tables[entity].word);
	return KT_OK;
}

int kt_store_admin_delete(struct kt_db *db, enum kt_chain_entity entity,
			  const char *id, struct kt_err *err)
{
	const struct table *t = &tables[entity];
	const char *params[] = { id };
	PGresult *res;
	int found;

	if (kt_db_begin(db, err))
		return KT_ERR;
	/* The import lock first, as imports take it: no chain can start using
	 * the entity between the check and the delete. */
	if (kt_store_chain_lock(db, err) ||
	    !(res = kt_db_exec(db, t->lock_sql, 1, params, err)))
		goto fail;
	found = PQntuples(res) > 0;
	PQclear(res);
	if (!found) {
		not_found(entity, err);
		goto fail;
	}
	if (check_unused(db, entity, id, err))
		goto fail;
	for (size_t i = 0; i < MAX_DELETES && t->delete_sql[i]; i++)
		if (kt_db_cmd(db, t->delete_sql[i], 1, params, err))
			goto fail;
	return kt_db_commit(db, err);
fail:
	kt_db_rollback(db);
	return KT_ERR;
}

json_t *kt_store_admin_chain_version(struct kt_db *db, const char *service_id,
				     int version, struct kt_err *err)
{
	char num[16];
	const char *params[] = { service_id, version > 0 ? num : NULL };
	json_t *v;
	int found;

	snprintf(num, sizeof(num), "%d", version);
	v = kt_db_json(db,
		"SELECT json_build_object("
		" 'service', json_build_object('id', s.id, 'key', s.key, 'name', s.name),"
		" 'version', cv.version, 'current', cv.version = s.chain_version,"
		" 'created_at', kt_ts(cv.created_at), 'document', cv.document)"
		" FROM services s JOIN chain_versions cv ON cv.service_id = s.id"
		"  AND cv.version = coalesce($2::integer, s.chain_version)"
		" WHERE s.id = $1::uuid", 2, params, &found, err);
	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_version", "no such chain version");
	return v;
}
