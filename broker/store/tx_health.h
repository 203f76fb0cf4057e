/* tx_health.h - what the database knows of each supplier's health for the
 * integrator's console: its backlog, its dead letters and its recent
 * calls (supplier_calls, migration 025). A transaction file (one read);
 * the circuit, which each node keeps in memory, is added by the API. */
#ifndef KETEN_STORE_TX_HEALTH_H
#define KETEN_STORE_TX_HEALTH_H

#include "store/store.h"

/* Every supplier by key, one snapshot: a new array of {"id", "key",
 * "name", "adapter", "backlog": pending messages, "oldest_pending_at":
 * RFC 3339 or null, "oldest_pending_s": age in seconds or null, "dead":
 * dead letters, "last_hour": {"calls", "failed", "rate_limited"} (attempts
 * in the last hour, those that did not deliver, and those answered 429),
 * "last_call": {"at", "kind", "http_status"} or null}. NULL with err
 * (unavailable when the database is). */
json_t *kt_store_supplier_health(struct kt_db *db, struct kt_err *err);

#endif
