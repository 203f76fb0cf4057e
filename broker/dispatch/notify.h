/* notify.h - the SLA notifications (migration 026): every
 * sla_notify_interval_ms (and at its start, at once again after a full
 * claim, and when a retry sooner than the next tick is due) a delivering
 * node claims the due ones
 * (store/tx_notify.h), sends each to the integrator's webhook its
 * service's SLA names, signed with Standard Webhooks under its stable
 * webhook-id, through the dispatcher's caller and transport, and records
 * the outcome: delivered, tried again with the dispatcher's backoff and
 * retry budget (dispatch/retry.h), or dead. */
#ifndef KETEN_DISPATCH_NOTIFY_H
#define KETEN_DISPATCH_NOTIFY_H

#include "cli/app.h"
#include "dispatch/caller.h"
#include "keten/err.h"

struct kt_notify;

/* Starts the notifier on app's loop and background pool, calling through
 * caller (borrowed, outlives it). NULL with err set when out of memory. */
struct kt_notify *kt_notify_new(struct kt_app *app, struct kt_caller *caller,
				struct kt_err *err);

/* Claims no more and abandons the calls in flight (their leases run out
 * and another node, or this one after a restart, sends them again under
 * the same webhook-id). Accepts NULL. */
void kt_notify_stop(struct kt_notify *nt);

/* Frees nt once the background pool ran its last done callbacks. Accepts
 * NULL. */
void kt_notify_free(struct kt_notify *nt);

#endif
