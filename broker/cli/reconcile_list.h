/* reconcile_list.h - the suppliers' side of `keten reconcile`: each
 * supplier is asked for the tickets that carry Keten's reference (the
 * adapters' build_list/read_list), and those Keten no longer knows are
 * reported, never created or closed; what could not be checked is said
 * with its reason. */
#ifndef KETEN_CLI_RECONCILE_LIST_H
#define KETEN_CLI_RECONCILE_LIST_H

#include "base/config.h"
#include "store/store.h"

/* Asks every supplier (supplier_key NULL) or the one named, prints per
 * supplier what it holds that Keten does not know, or why it could not be
 * asked (its adapter cannot list; the call or its answer failed), and
 * which open legs' missed updates cannot be fetched (push-only
 * suppliers). *failed gets how many suppliers could not be listed for a
 * failure (not for want of a listing). KT_ERR with err when the database
 * fails. */
int kt_reconcile_list(const struct kt_config *cfg, struct kt_db *db, const char *supplier_key,
		      int *failed, struct kt_err *err);

#endif
