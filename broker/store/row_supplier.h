/* row_supplier.h - the suppliers table as the inbound channel, the poller
 * and `keten supplier check` read it.
 * A row file: one table, calls only the database layer. */
#ifndef KETEN_STORE_ROW_SUPPLIER_H
#define KETEN_STORE_ROW_SUPPLIER_H

#include <jansson.h>

#include "store/store.h"

/* {id, key, adapter, endpoint, secret_ref, mapping, auth, inbound, poll,
 * delivery} of the supplier with this key (poll null when it is not
 * polled); NULL with not_found "unknown_supplier". New reference. */
json_t *kt_store_supplier_by_key(struct kt_db *db, const char *key,
				 struct kt_err *err);

#endif
