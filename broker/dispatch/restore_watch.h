/* restore_watch.h - noticing a restore of the database (issue 16): each
 * node remembers, in a file of its state_dir, the database's identity,
 * epoch and the progress mark it last saw (store/row_instance.h); a
 * database behind that, or another one, holds dispatch for every node
 * until `keten reconcile` ran. Safe from any worker thread. */
#ifndef KETEN_DISPATCH_RESTORE_WATCH_H
#define KETEN_DISPATCH_RESTORE_WATCH_H

#include <jansson.h>

#include "keten/err.h"
#include "store/store.h"

struct kt_watch;

/* A watch remembering in state_dir/database-mark (state_dir NULL or "":
 * nothing remembered, the hold is only read). The directory must exist
 * and be writable: fails with config "state_dir" otherwise. node names
 * this node in a hold it sets (copied). Free with kt_watch_free. */
struct kt_watch *kt_watch_new(const char *state_dir, const char *node, struct kt_err *err);

/* Worker: moves the database's mark on and compares it with what this
 * node remembered (the file is read at the first check), holds dispatch
 * when the database is behind or another one (logged once, as an error),
 * and writes the file anew. Without a state_dir, reads the hold only.
 * Updates the hold kt_watch_held reports. KT_ERR with err when the
 * database or the file fails (the hold known before stays). */
int kt_watch_check(struct kt_watch *w, struct kt_db *db, struct kt_err *err);

/* Worker, before a claim of supplier work: runs the first check when
 * none succeeded yet, so that no call leaves before the database was
 * compared. *held = 1 when dispatch is held (as of the last check). */
int kt_watch_gate(struct kt_watch *w, struct kt_db *db, int *held, struct kt_err *err);

/* The hold as of the last check: a new reference to {"hold", "since",
 * "detail"} (hold null when delivering), or NULL before any check. */
json_t *kt_watch_held(struct kt_watch *w);

/* Frees w (NULL is fine). */
void kt_watch_free(struct kt_watch *w);

#endif
