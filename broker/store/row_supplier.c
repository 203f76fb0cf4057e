/* row_supplier.c - a supplier by its key (see store/row_supplier.h).
 * A row file: the suppliers table only. */
#include "store/internal.h"
#include "store/row_supplier.h"

json_t *kt_store_supplier_by_key(struct kt_db *db, const char *key,
				 struct kt_err *err)
{
	const char *params[] = { key };
	int found;
	json_t *v = kt_db_json(db,
		"SELECT json_build_object('id', id, 'key', key, 'adapter', adapter,"
		" 'endpoint', endpoint, 'secret_ref', secret_ref, 'mapping', mapping,"
		" 'auth', auth, 'inbound', inbound, 'poll', poll, 'delivery', delivery)"
		" FROM suppliers WHERE key = $1", 1, params, &found, err);

	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_supplier", "no supplier \"%s\"", key);
	return v;
}
