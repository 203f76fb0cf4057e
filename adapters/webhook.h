/* adapters/webhook.h - the generic `webhook` adapter: canonical messages to
 * signed JSON webhooks and back, as adapters/webhook.md specifies. Reach it
 * through kt_adapter_find("webhook"); this header exists for the registry. */
#ifndef KETEN_ADAPTER_WEBHOOK_H
#define KETEN_ADAPTER_WEBHOOK_H

#include "keten/adapter.h"

/* The version of the delivery format (adapters/webhook.md) every message
 * carries as "version": 2 sends what changed, without the timeline. */
#define KT_WEBHOOK_FORMAT 2
/* Largest external id and leg id the adapter accepts, in bytes. */
#define KT_WEBHOOK_ID_MAX 255
/* Largest comment text the adapter accepts, in bytes. */
#define KT_WEBHOOK_COMMENT_MAX (64 * 1024)
/* Largest reason of a rejection, in bytes. */
#define KT_WEBHOOK_REASON_MAX 1000
/* Largest component key a rejection may hint at, in bytes (as a chain's keys). */
#define KT_WEBHOOK_KEY_MAX 63

extern const struct kt_adapter kt_adapter_webhook;

#endif
