/* tx_reconcile.c - the database side of `keten reconcile` (see
 * store/tx_reconcile.h): one statement marks, resets and reports; the
 * dispatch hold after a restore is lifted in the same transaction. */
#include "store/internal.h"
#include "store/row_instance.h"
#include "store/tx_reconcile.h"

/* $1 supplier key or NULL, $2 since or NULL. The open-leg rule is the one
 * SQL function every reader shares (keten_leg_is_open). */
static const char RECONCILE_SQL[] =
	"WITH sup AS (SELECT id, key, adapter FROM suppliers WHERE $1::text IS NULL OR key = $1),"
	" doubt AS (UPDATE outbox o SET in_doubt = true, due_at = now(), updated_at = now()"
	"  FROM legs l, sup WHERE o.leg_id = l.id AND l.supplier_id = sup.id"
	"   AND o.operation = 'create' AND o.state = 'pending' AND NOT o.in_doubt"
	"   AND l.external_id IS NULL"
	"   AND keten_leg_is_open(l.status, l.ended)"
	"  RETURNING l.id AS leg, l.ticket_id AS ticket, sup.key AS supplier, sup.adapter),"
	" feeds AS (UPDATE supplier_polls p SET cursor_at = $2::timestamptz, page = NULL,"
	"   pass_since = NULL, pass_high = NULL, next_due = now()"
	"  FROM sup, supplier_polls old"
	"  WHERE $2::timestamptz IS NOT NULL AND p.supplier_id = sup.id"
	"   AND old.supplier_id = p.supplier_id AND old.feed = p.feed"
	"  RETURNING sup.key AS supplier, p.feed, old.cursor_at AS \"from\", p.cursor_at AS \"to\"),"
	" dead AS (SELECT l.id AS leg, l.ticket_id AS ticket, sup.key AS supplier, o.operation"
	"  FROM outbox o JOIN legs l ON l.id = o.leg_id JOIN sup ON sup.id = l.supplier_id"
	"  WHERE o.state = 'dead' AND keten_leg_is_open(l.status, l.ended)),"
	" unlinked AS (SELECT l.id AS leg, l.ticket_id AS ticket, sup.key AS supplier"
	"  FROM legs l JOIN sup ON sup.id = l.supplier_id"
	"  WHERE l.external_id IS NULL AND keten_leg_is_open(l.status, l.ended)"
	"   AND EXISTS (SELECT 1 FROM outbox o WHERE o.leg_id = l.id"
	"    AND o.operation = 'create' AND o.state = 'done'))"
	" SELECT (SELECT count(*) FROM sup),"
	"  json_build_object("
	"   'creates', coalesce((SELECT json_agg(doubt ORDER BY supplier, ticket) FROM doubt), '[]'),"
	"   'feeds', coalesce((SELECT json_agg(feeds ORDER BY supplier, feed) FROM feeds), '[]'),"
	"   'dead', coalesce((SELECT json_agg(dead ORDER BY supplier, ticket) FROM dead), '[]'),"
	"   'unlinked_done', coalesce((SELECT json_agg(unlinked ORDER BY supplier, ticket)"
	"    FROM unlinked), '[]'))::text";

/* Adds "hold" (the reason dispatch was held, or null) and "lifted" to
 * report, lifting the hold when every supplier was reconciled. */
static int lift_hold(struct kt_db *db, json_t *report, int every_supplier, struct kt_err *err)
{
	json_t *hold = kt_store_dispatch_hold(db, err);
	char *was = NULL;
	int rc = KT_OK;

	if (!hold)
		return KT_ERR;
	json_object_set(report, "hold", json_object_get(hold, "hold"));
	json_decref(hold);
	if (every_supplier)
		rc = kt_store_dispatch_release(db, &was, err);
	json_object_set_new(report, "lifted", json_boolean(was != NULL));
	free(was);
	return rc;
}

json_t *kt_store_reconcile(struct kt_db *db, const char *supplier_key, const char *since,
			   int dry_run, struct kt_err *err)
{
	const char *params[] = { supplier_key, since };
	json_t *report = NULL;
	PGresult *res;

	if (kt_db_begin(db, err))
		return NULL;
	res = kt_db_exec(db, RECONCILE_SQL, 2, params, err);
	if (!res)
		goto fail;
	if (supplier_key && strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		kt_err_set(err, KT_EC_NOT_FOUND, "no_supplier", "no supplier \"%s\"", supplier_key);
		PQclear(res);
		goto fail;
	}
	report = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	PQclear(res);
	if (!report) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		goto fail;
	}
	if (lift_hold(db, report, supplier_key == NULL, err))
		goto fail;
	if (dry_run)
		kt_db_rollback(db);
	else if (kt_db_commit(db, err))
		goto fail;
	return report;
fail:
	json_decref(report);
	kt_db_rollback(db);
	return NULL;
}

json_t *kt_store_reconcile_suppliers(struct kt_db *db, const char *supplier_key,
				     struct kt_err *err)
{
	const char *params[] = { supplier_key };

	return kt_db_json(db,
		"SELECT coalesce(json_agg(json_build_object('id', s.id, 'key', s.key,"
		"  'adapter', s.adapter, 'endpoint', s.endpoint, 'secret_ref', s.secret_ref,"
		"  'mapping', s.mapping, 'auth', s.auth, 'delivery', s.delivery, 'poll', s.poll,"
		"  'open_legs', (SELECT count(*) FROM legs l WHERE l.supplier_id = s.id"
		"   AND keten_leg_is_open(l.status, l.ended))) ORDER BY s.key), '[]')"
		" FROM suppliers s WHERE $1::text IS NULL OR s.key = $1",
		1, params, NULL, err);
}

json_t *kt_store_reconcile_unknown(struct kt_db *db, const char *supplier_id,
				   const json_t *listed, struct kt_err *err)
{
	char *text = json_dumps(listed, JSON_COMPACT);
	const char *params[] = { supplier_id, text };
	json_t *unknown;

	if (!text) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	/* A reference that is no uuid names no leg; each test is one index
	 * probe (legs' key, legs_external_idx). */
	unknown = kt_db_json(db,
		"SELECT coalesce(json_agg(t ORDER BY t.id), '[]')"
		" FROM json_to_recordset($2::json) AS t(id text, leg text)"
		" WHERE NOT EXISTS (SELECT 1 FROM legs l WHERE l.supplier_id = $1::uuid"
		"   AND l.id = CASE WHEN t.leg ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$'"
		"    THEN t.leg::uuid END)"
		"  AND NOT EXISTS (SELECT 1 FROM legs l WHERE l.supplier_id = $1::uuid"
		"   AND l.external_id = t.id)",
		2, params, NULL, err);
	free(text);
	return unknown;
}
