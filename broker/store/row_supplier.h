/* row_supplier.h - the suppliers table as the inbound channel reads it.
 * A row file: one table, calls only the database layer. */
#ifndef KETEN_STORE_ROW_SUPPLIER_H
#define KETEN_STORE_ROW_SUPPLIER_H

#include <jansson.h>

#include "store/store.h"

/* {id, key, adapter, endpoint, secret_ref, mapping} of the supplier with
 * this key; NULL with not_found "unknown_supplier". New reference. */
json_t *kt_store_supplier_by_key(struct kt_db *db, const char *key,
				 struct kt_err *err);

#endif
