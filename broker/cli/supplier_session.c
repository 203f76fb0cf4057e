/* supplier_session.c - one supplier's calls from a subcommand (see
 * cli/supplier_session.h): a loop and a caller of its own, each call run
 * to its end before the next. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/secret.h"
#include "cli/app.h"
#include "cli/cli.h"
#include "cli/supplier_session.h"

static void on_done(void *arg, struct kt_transport_answer *a)
{
	struct kt_cli_call *cc = arg;

	cc->done = 1;
	cc->status = a->facts.end == KT_TX_DONE ? a->facts.http_status : 0;
	snprintf(cc->why, sizeof(cc->why), "%s", a->facts.why ? a->facts.why : "no answer");
	cc->body = a->body;
	cc->len = a->body_len;
	a->body = NULL;
	for (size_t i = 0; i < a->n_headers && i < KT_TRANSPORT_MAX_HEADERS; i++) {
		cc->headers[i].name = strdup(a->headers[i].name);
		cc->headers[i].value = strdup(a->headers[i].value);
		if (cc->headers[i].name && cc->headers[i].value)
			cc->n_headers = i + 1;
	}
	event_base_loopbreak(cc->base);
}

void kt_cli_call_release(struct kt_cli_call *cc)
{
	for (size_t i = 0; i < KT_TRANSPORT_MAX_HEADERS; i++) {
		free(cc->headers[i].name);
		free(cc->headers[i].value);
	}
	free(cc->body);
}

int kt_cli_call_once(const struct kt_cli_session *ss, struct kt_http_request *req,
		     struct kt_cli_call *cc)
{
	unsigned char raw[16];
	char sign_id[8 + 2 * sizeof(raw)];
	struct kt_call_spec spec = { .req = req, .sign_id = sign_id };
	struct kt_err err = { 0 };
	struct kt_call *call;

	/* A signed call (Standard Webhooks) names its message: each call of a
	 * subcommand is a message of its own. */
	if (kt_crypto_random(raw, sizeof(raw)) != KT_OK) {
		printf("%s %s: not sent: no random bytes\n", req->method, req->url);
		return KT_ERR;
	}
	snprintf(sign_id, sizeof(sign_id), "msg_");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(sign_id + 4 + 2 * i, 3, "%02x", raw[i]);
	cc->base = ss->base;
	if (kt_call_start(ss->caller, ss->who, &spec, on_done, cc, &call, &err) != KT_OK) {
		printf("%s %s: not sent\n", req->method, req->url);
		kt_cli_print_err(&err);
		kt_err_release(&err);
		return KT_ERR;
	}
	while (!cc->done)
		event_base_dispatch(ss->base);
	if (cc->status == 0) {
		printf("%s %s: no answer: %s\n", req->method, req->url, cc->why);
		return KT_ERR;
	}
	return KT_OK;
}

struct kt_answer kt_cli_call_answer(const struct kt_cli_call *cc)
{
	return (struct kt_answer){ .http_status = cc->status, .body = cc->body, .len = cc->len,
				   .headers = cc->headers, .n_headers = cc->n_headers };
}

int kt_cli_with_supplier(const struct kt_config *cfg, const json_t *s, const char *secrets,
			 int (*fn)(const struct kt_cli_session *ss, void *arg), void *arg)
{
	const struct kt_adapter *a = kt_adapter_find(json_string_value(json_object_get(s, "adapter")));
	const struct kt_call_supplier who = {
		.id = json_string_value(json_object_get(s, "id")),
		.key = json_string_value(json_object_get(s, "key")),
		.auth = json_object_get(s, "auth"), .secrets = secrets,
		.delivery = json_object_get(s, "delivery"),
	};
	struct kt_app app = { .cfg = cfg };
	struct kt_transport *t = NULL;
	struct kt_err err = { 0 };
	struct kt_cli_session ss = { .a = a, .s = s, .who = &who };
	int rc = KT_ERR;

	if (!a) {
		printf("supplier has no known adapter\n");
		return KT_ERR;
	}
	ss.base = app.base = event_base_new();
	if (!app.base || !(t = kt_transport_new(app.base, &err)) ||
	    !(ss.caller = kt_caller_new(&app, t, &err)))
		kt_cli_print_err(&err);
	else
		rc = fn(&ss, arg);
	kt_caller_free(ss.caller);
	kt_transport_free(t);
	if (app.base)
		event_base_free(app.base);
	kt_err_release(&err);
	return rc;
}

/* The subcommands: name, the arguments after KEY, the work. */

int kt_cli_supplier_secrets(const json_t *s, char **secrets, struct kt_err *err)
{
	const char *ref = json_string_value(json_object_get(json_object_get(s, "auth"),
							    "secret_ref"));

	return kt_secret_resolve(ref ? ref : json_string_value(json_object_get(s, "secret_ref")),
				 secrets, err);
}
