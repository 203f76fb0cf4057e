/* app.h - what one running broker process is made of; built and torn down
 * by cli/cmd_serve.c, borrowed by the HTTP layer and the dispatcher. */
#ifndef KETEN_APP_H
#define KETEN_APP_H

#include <event2/event.h>

#include "base/config.h"

struct kt_app {
	const struct kt_config *cfg;
	struct event_base *base;
	struct kt_dbpool *api_pool;  /* sessions for API requests */
	struct kt_dbpool *bg_pool;   /* sessions for the dispatcher: a flood of
					requests never starves deliveries */
	struct kt_dispatcher *dispatcher;
	struct kt_key_cache *keys;   /* API key principals, shared by the workers */
	struct kt_route_cache *routes; /* route plans of new tickets, shared by
					  the workers (store/rule_route_cache.h) */
	struct kt_throttle *throttle; /* callers' token buckets (loop and workers) */
	struct kt_ops *ops;          /* who may read /metrics and /readyz, and
					readiness remembered (http/ops.h) */
	struct kt_streams *streams;  /* live streams (http/stream.h), owned by
					the HTTP server */
	struct kt_watch *watch;      /* the restore watch and the dispatch hold
					(dispatch/restore_watch.h) */
	char node_name[128];
	/* single sign-on (issue 15): the checked settings (workers read them)
	 * and the provider's client on the loop; NULL client: SSO off */
	const struct kt_oidc_config *oidc_cfg;
	struct kt_oidc_client *oidc;
};

#endif
