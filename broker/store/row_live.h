/* row_live.h - keten_live_queue (migration 037): the live stream's
 * changes queued by the triggers of the writes (031), relayed to the
 * keten_live channel by every `keten serve` (http/live_relay.h).
 * A row file: one table, calls only the database layer. */
#ifndef KETEN_STORE_ROW_LIVE_H
#define KETEN_STORE_ROW_LIVE_H

#include "store/store.h"

/* Takes every payload committed writes queued and NOTIFYs it on
 * KT_LIVE_CHANNEL (store/listen.h), in one statement and so in one
 * transaction: a payload is relayed once, by one node, and equal ones of
 * one relay are delivered once. *relayed: how many were taken. KT_ERR
 * with err set on a database failure (nothing taken). */
int kt_store_live_relay(struct kt_db *db, int *relayed, struct kt_err *err);

#endif
