/* hub_call.h - one call to a supplier's hub (a TMF621 seller's /hub):
 * Keten's listener registered, or a registration removed. The supplier's
 * adapter builds the request (build_subscribe, build_unsubscribe) and
 * reads the answer (read_subscribe, read_error); the caller
 * (dispatch/caller.h) adds the supplier's auth and limits and sends it
 * through the one transport. The hub sweep (dispatch/hub.h) and `keten
 * supplier subscribe|unsubscribe` both call through here. */
#ifndef KETEN_DISPATCH_HUB_CALL_H
#define KETEN_DISPATCH_HUB_CALL_H

#include <jansson.h>

#include "dispatch/caller.h"
#include "keten/err.h"

struct kt_hub_call;

/* How one hub call ended; borrowed by the done callback. */
struct kt_hub_result {
	int ok;                  /* 1: registered (hub_id set) or removed */
	char *hub_id;            /* the registration's id; the callback may
				    take it (and set it NULL) */
	long http_status;        /* 0: no answer came */
	const char *retry_after; /* the answer's Retry-After, "" when none */
	const char *method;      /* the request sent */
	const char *url;
	char says[256];          /* a non-2xx answer: the supplier's own words,
				    "" when it gave none */
	char error[400];         /* not ok: "code: message", never a secret */
};

typedef void kt_hub_done_fn(void *arg, struct kt_hub_result *r);

/* Starts a call for supplier ({key, adapter, endpoint, mapping, ...},
 * borrowed until this returns) as who: subscribe 1 registers arg (Keten's
 * callback URL), 0 removes registration arg (the hub's id). done(arg, ...)
 * follows on the loop unless the call is abandoned. NULL with err filled
 * when nothing could be sent: the adapter takes no subscriptions (config
 * "no_subscriptions"), its request could not be built (invalid
 * "adapter_build"), or the caller refused (config "bad_secret", ...). */
struct kt_hub_call *kt_hub_call_start(struct kt_caller *c, const struct kt_call_supplier *who,
				      const json_t *supplier, int subscribe, const char *arg,
				      kt_hub_done_fn *done, void *done_arg, struct kt_err *err);

/* Stops call h and frees it; its done is never called. */
void kt_hub_call_abandon(struct kt_hub_call *h);

#endif
