/* supplier_session.h - calling one supplier from a subcommand (`keten
 * supplier check|subscribe`, `keten reconcile`'s listing): a loop and a
 * caller of its own (the supplier's auth module, limits, CA), and one call
 * at a time run to its end. */
#ifndef KETEN_CLI_SUPPLIER_SESSION_H
#define KETEN_CLI_SUPPLIER_SESSION_H

#include <event2/event.h>
#include <jansson.h>

#include "base/config.h"
#include "dispatch/caller.h"
#include "dispatch/transport.h"
#include "keten/adapter.h"

/* One call's answer (kt_cli_call_release frees it). */
struct kt_cli_call {
	struct event_base *base;
	long status;       /* 0: no answer (why says why) */
	char *body;
	size_t len;
	struct kt_header headers[KT_TRANSPORT_MAX_HEADERS];
	size_t n_headers;
	char why[256];
	int done;
};

/* What a supplier session needs: the adapter, the supplier, its caller. */
struct kt_cli_session {
	const struct kt_adapter *a;
	const json_t *s;
	const struct kt_call_supplier *who;
	struct kt_caller *caller;
	struct event_base *base;
};

/* Sends req as ss's supplier and waits for its end: KT_OK with cc filled
 * when an answer came (any status), else KT_ERR (printed to stdout with
 * the request's method and URL). Release cc afterwards either way. */
int kt_cli_call_once(const struct kt_cli_session *ss, struct kt_http_request *req,
		     struct kt_cli_call *cc);

/* cc's answer as the adapters read it (borrowing cc). */
struct kt_answer kt_cli_call_answer(const struct kt_cli_call *cc);

void kt_cli_call_release(struct kt_cli_call *cc);

/* Runs fn(session, arg) for supplier s ({id, key, adapter, auth,
 * delivery, ...} as store/row_supplier.h reads it; secrets its resolved
 * secret) on a loop and caller of its own; returns what fn returned, or
 * KT_ERR (printed) when the session could not be made or the adapter is
 * unknown. */
int kt_cli_with_supplier(const struct kt_config *cfg, const json_t *s, const char *secrets,
			 int (*fn)(const struct kt_cli_session *ss, void *arg), void *arg);

/* Resolves the secret supplier s's calls are made with (its auth's
 * secret_ref, else its own) into *secrets (free with kt_secret_free). */
int kt_cli_supplier_secrets(const json_t *s, char **secrets, struct kt_err *err);

#endif
