/* cmd_supplier.c - `keten supplier check KEY`: the supplier's credentials
 * and its mapping's values tried live, call by call, through the broker's
 * own caller (the supplier's auth module, limits and CA): each check its
 * adapter offers (adapter.h build_check/read_check) is sent and read, and
 * every value the supplier does not know is printed with its mapping path
 * before a ticket ever needs it. */
#include <event2/event.h>
#include <getopt.h>

#include "base/secret.h"
#include "cli/app.h"
#include "cli/cli.h"
#include "dispatch/caller.h"
#include "keten/adapter.h"
#include "store/row_supplier.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: keten supplier check KEY [--config FILE]\n\n"
		"Calls supplier KEY as the broker would (its auth, its endpoint) and\n"
		"checks that the values its mapping names exist there. Exit status 0\n"
		"when every check passed, 1 when one failed or could not be made.\n");
}

/* One check's call, run to its end on its own loop. */
struct check_call {
	struct event_base *base;
	long status;
	char *body;
	size_t len;
	struct kt_header headers[KT_TRANSPORT_MAX_HEADERS];
	size_t n_headers;
	char why[256];
	int done;
};

static void on_done(void *arg, struct kt_transport_answer *a)
{
	struct check_call *cc = arg;

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

static void check_call_release(struct check_call *cc)
{
	for (size_t i = 0; i < KT_TRANSPORT_MAX_HEADERS; i++) {
		free(cc->headers[i].name);
		free(cc->headers[i].value);
	}
	free(cc->body);
}

/* Runs check i of supplier s; prints its verdict. *more = 0 when the
 * adapter has no check i. KT_ERR when the check failed. */
static int run_check(struct kt_caller *caller, struct event_base *base,
		     const struct kt_adapter *a, const json_t *s,
		     const struct kt_call_supplier *who, int i, int *more)
{
	struct kt_http_request req = { 0 };
	struct check_call cc = { .base = base };
	struct kt_call_spec spec = { .req = &req };
	struct kt_err err = { 0 };
	struct kt_call *call;
	int rc = KT_ERR;

	*more = 0;
	if (a->build_check(s, i, &req, &err) != KT_OK) {
		kt_cli_print_err(&err);
		goto out;
	}
	if (!req.url) {
		rc = KT_OK;
		goto out;
	}
	*more = 1;
	if (kt_call_start(caller, who, &spec, on_done, &cc, &call, &err) != KT_OK) {
		kt_cli_print_err(&err);
		goto out;
	}
	while (!cc.done)
		event_base_dispatch(base);
	if (cc.status == 0) {
		printf("check %d: %s %s: no answer: %s\n", i, req.method, req.url, cc.why);
		goto out;
	}
	{
		struct kt_answer ans = { .http_status = cc.status, .body = cc.body, .len = cc.len,
					 .headers = cc.headers, .n_headers = cc.n_headers };

		if (a->read_check(s, i, &ans, &err) == KT_OK) {
			printf("check %d: %s %s: ok\n", i, req.method, req.url);
			rc = KT_OK;
		} else {
			printf("check %d: %s %s: HTTP %ld\n", i, req.method, req.url, cc.status);
			kt_cli_print_err(&err);
		}
	}
out:
	kt_err_release(&err);
	check_call_release(&cc);
	kt_http_request_release(&req);
	return rc;
}

/* Every check of supplier s, in order, on a loop of its own. */
static int check_all(const struct kt_config *cfg, const json_t *s, const char *secrets)
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
	struct kt_caller *caller = NULL;
	struct kt_err err = { 0 };
	int failed = 0, more = 1;

	if (!a || !a->build_check || !a->read_check) {
		printf("adapter %s has no live checks\n", a ? a->name : "?");
		return KT_OK;
	}
	if (!(app.base = event_base_new()) || !(t = kt_transport_new(app.base, &err)) ||
	    !(caller = kt_caller_new(&app, t, &err))) {
		kt_cli_print_err(&err);
		failed = 1;
	}
	for (int i = 0; !failed && more; i++)
		failed |= run_check(caller, app.base, a, s, &who, i, &more) != KT_OK;
	kt_caller_free(caller);
	kt_transport_free(t);
	if (app.base)
		event_base_free(app.base);
	kt_err_release(&err);
	return failed ? KT_ERR : KT_OK;
}

int kt_cmd_supplier(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *ref;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	json_t *s = NULL;
	char *secrets = NULL;
	int c, code = 1;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "check") != 0) {
		usage(stderr);
		return 2;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (!(s = kt_store_supplier_by_key(db, argv[optind], &err)))
		goto out;
	ref = json_string_value(json_object_get(json_object_get(s, "auth"), "secret_ref"));
	if (kt_secret_resolve(ref ? ref : json_string_value(json_object_get(s, "secret_ref")),
			      &secrets, &err))
		goto out;
	kt_transport_global_init();
	code = check_all(&cfg, s, secrets) == KT_OK ? 0 : 1;
	kt_transport_global_cleanup();
out:
	if (kt_err_isset(&err))
		kt_cli_print_err(&err);
	kt_secret_free(secrets);
	json_decref(s);
	kt_cli_release(&err, db, &cfg);
	return code;
}
