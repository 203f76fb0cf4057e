/* tx_sla.h - the SLA alert sweep in the database: the warnings and
 * breaches of running clocks that came due, each recorded once however
 * many broker nodes sweep (migration 020). A transaction file: one
 * statement, its own transaction. */
#ifndef KETEN_STORE_TX_SLA_H
#define KETEN_STORE_TX_SLA_H

#include "store/store.h"

/* Records up to limit due alerts not yet recorded (an sla_alerts row and
 * an integrator-only sla_warning or sla_breached event each); *recorded
 * gets how many this call recorded (another node may record the rest). */
int kt_store_sla_sweep(struct kt_db *db, int limit, int *recorded, struct kt_err *err);

#endif
