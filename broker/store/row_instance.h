/* row_instance.h - the keten_instance row (migration 034): the database's
 * identity, the progress mark the nodes watch to notice a restore, and
 * the hold on dispatch that every node's claims honour.
 * A row file: one table, calls only the database layer. */
#ifndef KETEN_STORE_ROW_INSTANCE_H
#define KETEN_STORE_ROW_INSTANCE_H

#include <jansson.h>

#include "store/store.h"

/* Moves the mark on by one and compares what the database held before
 * with what this node saw last: seen_id (a uuid), seen_mark and seen_epoch
 * (decimal), all NULL when the node remembers nothing. Another id holds
 * dispatch ("other_database"); a later epoch, or the same epoch with a mark
 * below seen_mark, holds it ("restore"); an earlier epoch (a restore was
 * reconciled while the node was away) does not. A hold already set stays
 * as it is. node names the node in the hold's detail. Returns a new
 * reference to {"id", "mark" (after the move), "epoch",
 * "hold" (null or the reason), "since", "detail", "newly" (true when this
 * call set the hold)}, or NULL with err (the database's, or not_found
 * "no_instance" when migration 034 has not run). */
json_t *kt_store_instance_watch(struct kt_db *db, const char *seen_id, const char *seen_mark,
				const char *seen_epoch, const char *node, struct kt_err *err);

/* The hold as it is: a new reference to {"hold" (null or the reason),
 * "since", "detail"}, or NULL with err as above. */
json_t *kt_store_dispatch_hold(struct kt_db *db, struct kt_err *err);

/* Clears the hold (whatever its reason) and, when there was one, moves the
 * epoch on; *was gets the reason it had (a new string the caller frees,
 * NULL when none). */
int kt_store_dispatch_release(struct kt_db *db, char **was, struct kt_err *err);

/* The SQL condition "dispatch is not held", for the claims of supplier
 * work to AND into their WHERE (an InitPlan: read once per statement). */
#define KT_STORE_NOT_HELD "NOT EXISTS (SELECT 1 FROM keten_instance WHERE hold IS NOT NULL)"

#endif
