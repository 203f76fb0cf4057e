/* tx_queue.h - the integrator's work queues (store/queue_sql.h): which
 * names exist, and how many tickets (and dead letters) each holds, read
 * in one statement. A transaction file (one read). */
#ifndef KETEN_STORE_TX_QUEUE_H
#define KETEN_STORE_TX_QUEUE_H

#include "store/store.h"

/* Whether name is a ticket queue GET /v1/tickets?state= lists:
 * needs_triage, escalated, delivery_delayed, sla_breached, sla_warning. */
int kt_store_queue_known(const char *name);

/* The size of every queue now, one snapshot: a new object {"needs_triage",
 * "escalated", "delivery_delayed", "sla_breached", "sla_warning": tickets,
 * "dead_letters": outbox messages in state dead}, or NULL with err
 * (unavailable when the database is). */
json_t *kt_store_queue_counts(struct kt_db *db, struct kt_err *err);

#endif
