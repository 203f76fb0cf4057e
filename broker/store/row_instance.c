/* row_instance.c - the keten_instance row of store/row_instance.h: the
 * watch of the progress mark, the hold's reading and its release. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/row_instance.h"

#define HOLD_JSON "'hold', hold, 'since', hold_since, 'detail', hold_detail"

/* $1 the id seen, $2 the mark seen, $4 the epoch seen (all NULL: nothing
 * remembered), $3 the node. The row is locked for the compare, so that two nodes' moves
 * never pass each other. */
static const char WATCH_SQL[] =
	"WITH old AS (SELECT id, mark, epoch, hold FROM keten_instance FOR UPDATE),"
	" v AS (SELECT CASE WHEN old.hold IS NOT NULL OR $1::uuid IS NULL THEN old.hold"
	"   WHEN $1::uuid <> old.id THEN 'other_database'"
	"   WHEN $4::bigint > old.epoch OR ($4::bigint = old.epoch AND old.mark < $2::bigint)"
	"    THEN 'restore' END AS hold,"
	"  old.hold AS hold_was, old.id, old.mark FROM old),"
	" up AS (UPDATE keten_instance i SET mark = v.mark + 1, hold = v.hold,"
	"   hold_since = CASE WHEN v.hold IS NOT DISTINCT FROM i.hold THEN i.hold_since"
	"    ELSE now() END,"
	"   hold_detail = CASE WHEN v.hold IS NOT DISTINCT FROM i.hold THEN i.hold_detail"
	"    ELSE jsonb_build_object('node', $3::text, 'seen_id', $1::uuid,"
	"     'seen_mark', $2::bigint, 'seen_epoch', $4::bigint, 'found_id', v.id,"
	"     'found_mark', v.mark) END"
	"  FROM v RETURNING i.*, i.hold IS DISTINCT FROM v.hold_was AS newly)"
	" SELECT json_build_object('id', id, 'mark', mark, 'epoch', epoch, " HOLD_JSON ","
	"  'newly', newly)"
	" FROM up";

static json_t *one_row(struct kt_db *db, const char *sql, int n, const char *const *params,
		       struct kt_err *err)
{
	int found = 0;
	json_t *j = kt_db_json(db, sql, n, params, &found, err);

	if (!j && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "no_instance",
			   "the database has no keten_instance row: run `keten migrate`");
	return j;
}

json_t *kt_store_instance_watch(struct kt_db *db, const char *seen_id, const char *seen_mark,
				const char *seen_epoch, const char *node, struct kt_err *err)
{
	const char *params[] = { seen_id, seen_mark, node, seen_epoch };

	return one_row(db, WATCH_SQL, 4, params, err);
}

json_t *kt_store_dispatch_hold(struct kt_db *db, struct kt_err *err)
{
	return one_row(db, "SELECT json_build_object(" HOLD_JSON ") FROM keten_instance", 0,
		       NULL, err);
}

int kt_store_dispatch_release(struct kt_db *db, char **was, struct kt_err *err)
{
	json_t *j;
	const char *hold;

	*was = NULL;
	j = one_row(db,
		    "WITH old AS (SELECT hold FROM keten_instance FOR UPDATE),"
		    " up AS (UPDATE keten_instance SET hold = NULL, hold_since = NULL,"
		    "  hold_detail = NULL, epoch = epoch + CASE WHEN hold IS NULL THEN 0 ELSE 1 END"
		    "  RETURNING 1)"
		    " SELECT json_build_object('hold', old.hold) FROM old, up",
		    0, NULL, err);
	if (!j)
		return KT_ERR;
	hold = json_string_value(json_object_get(j, "hold"));
	if (hold && !(*was = strdup(hold))) {
		json_decref(j);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	json_decref(j);
	return KT_OK;
}
