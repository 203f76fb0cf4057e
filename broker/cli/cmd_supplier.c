/* cmd_supplier.c - `keten supplier check KEY`: the supplier's credentials
 * and its mapping's values tried live, call by call, through the broker's
 * own caller (the supplier's auth module, limits and CA): each check its
 * adapter offers (adapter.h build_check/read_check) is sent and read, and
 * every value the supplier does not know is printed with its mapping path
 * before a ticket ever needs it. `keten supplier subscribe KEY --callback
 * URL` and `unsubscribe KEY ID` register and remove Keten's listener with
 * a supplier that pushes to registered listeners (a TMF621 hub) by hand,
 * through the hub sweep's own call (dispatch/hub_call.h); `show KEY`
 * prints the registration the sweep keeps (store/row_hub.h) and whether
 * dispatch is held after a restore (store/row_instance.h). */
#include <event2/event.h>
#include <getopt.h>

#include "base/secret.h"
#include "cli/app.h"
#include "cli/cli.h"
#include "cli/supplier_session.h"
#include "dispatch/caller.h"
#include "dispatch/hub_call.h"
#include "keten/adapter.h"
#include "store/row_hub.h"
#include "store/row_instance.h"
#include "store/row_supplier.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: keten supplier check KEY [--config FILE]\n"
		"       keten supplier subscribe KEY --callback URL [--config FILE]\n"
		"       keten supplier unsubscribe KEY ID [--config FILE]\n"
		"       keten supplier show KEY [--config FILE]\n\n"
		"check calls supplier KEY as the broker would (its auth, its endpoint)\n"
		"and checks that the values its mapping names exist there.\n"
		"subscribe registers URL (Keten's /v1/inbound/KEY as the supplier\n"
		"reaches it) as a listener of the supplier's events and prints the\n"
		"subscription's id; unsubscribe removes subscription ID: by hand, beside\n"
		"the registration Keten makes itself for a supplier whose chain entry\n"
		"names inbound.callback. show prints that registration as JSON: its\n"
		"state (registering, registered, removing), the hub's id, failures and\n"
		"last error, and under \"dispatch\" whether every node's dispatch is\n"
		"held after a restore (hold: restore or other_database, since, detail)\n"
		"until `keten reconcile` ran. Exit status 0 when all went well, 1 when something failed\n"
		"or could not be made.\n");
}

/* Runs check i of supplier s; prints its verdict. *more = 0 when the
 * adapter has no check i. KT_ERR when the check failed. */
static int run_check(const struct kt_cli_session *ss, int i, int *more)
{
	struct kt_http_request req = { 0 };
	struct kt_cli_call cc = { 0 };
	struct kt_err err = { 0 };
	int rc = KT_ERR;

	*more = 0;
	if (ss->a->build_check(ss->s, i, &req, &err) != KT_OK) {
		kt_cli_print_err(&err);
		goto out;
	}
	if (!req.url) {
		rc = KT_OK;
		goto out;
	}
	*more = 1;
	printf("check %d: ", i);
	if (kt_cli_call_once(ss, &req, &cc) != KT_OK)
		goto out;
	{
		struct kt_answer ans = kt_cli_call_answer(&cc);

		if (ss->a->read_check(ss->s, i, &ans, &err) == KT_OK) {
			printf("%s %s: ok\n", req.method, req.url);
			rc = KT_OK;
		} else {
			printf("%s %s: HTTP %ld\n", req.method, req.url, cc.status);
			kt_cli_print_err(&err);
		}
	}
out:
	kt_err_release(&err);
	kt_cli_call_release(&cc);
	kt_http_request_release(&req);
	return rc;
}

static int check_all(const struct kt_cli_session *ss, void *arg)
{
	int failed = 0, more = 1;

	(void)arg;
	if (!ss->a->build_check || !ss->a->read_check) {
		printf("adapter %s has no live checks\n", ss->a->name);
		return KT_OK;
	}
	for (int i = 0; !failed && more; i++)
		failed |= run_check(ss, i, &more) != KT_OK;
	return failed ? KT_ERR : KT_OK;
}

/* One hub call, run to its end on the session's loop. */
struct hub_wait {
	struct event_base *base;
	int subscribe;
	const char *arg;
	int done, ok;
};

/* Prints how the call ended, as `keten supplier subscribe|unsubscribe` says. */
static void on_hub_done(void *arg, struct kt_hub_result *r)
{
	struct hub_wait *w = arg;

	w->done = 1;
	w->ok = r->ok;
	if (r->ok && w->subscribe)
		printf("subscribed: %s\n", r->hub_id);
	else if (r->ok)
		printf("unsubscribed: %s\n", w->arg);
	else if (r->http_status == 0)
		printf("%s %s: no answer: %s\n", r->method, r->url, r->error);
	else if (r->http_status < 200 || r->http_status > 299)
		printf("%s %s: HTTP %ld%s%s\n", r->method, r->url, r->http_status,
		       r->says[0] ? ": " : "", r->says);
	else
		printf("%s %s: %s\n", r->method, r->url, r->error);
	event_base_loopbreak(w->base);
}

/* subscribe (arg: the callback) or unsubscribe (arg: the id), through the
 * hub sweep's own call (dispatch/hub_call.h). */
static int hub_call(const struct kt_cli_session *ss, const char *arg, int subscribe)
{
	struct hub_wait w = { .base = ss->base, .subscribe = subscribe, .arg = arg };
	struct kt_err err = { 0 };

	if (!kt_hub_call_start(ss->caller, ss->who, ss->s, subscribe, arg, on_hub_done, &w,
			       &err)) {
		kt_cli_print_err(&err);
		kt_err_release(&err);
		return KT_ERR;
	}
	while (!w.done)
		event_base_dispatch(ss->base);
	return w.ok ? KT_OK : KT_ERR;
}

static int subscribe(const struct kt_cli_session *ss, void *callback)
{
	return hub_call(ss, callback, 1);
}

static int unsubscribe(const struct kt_cli_session *ss, void *id)
{
	return hub_call(ss, id, 0);
}

static const struct {
	const char *name;
	int n_args;
	int (*fn)(const struct kt_cli_session *ss, void *arg);
} commands[] = {
	{ "check", 0, check_all },
	{ "subscribe", 0, subscribe },
	{ "unsubscribe", 1, unsubscribe },
	{ "show", 0, NULL },
};

/* `show`: the supplier's hub registrations (a removed supplier's too,
 * while one is still to be removed at its hub) and the dispatch hold of
 * every node (store/row_instance.h: why nothing goes out) as JSON. */
static int show(struct kt_db *db, const char *key, struct kt_err *err)
{
	json_t *subs = kt_store_hub_of(db, key, err), *hold, *out;
	char *text;

	if (!subs)
		return KT_ERR;
	if (!(hold = kt_store_dispatch_hold(db, err))) {
		json_decref(subs);
		return KT_ERR;
	}
	/* "o" takes subs and hold, also when the pack fails */
	out = json_pack("{s:s, s:o, s:o}", "supplier", key, "hub_subscriptions", subs,
			"dispatch", hold);
	text = out ? json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(out);
	if (!text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	printf("%s\n", text);
	free(text);
	return KT_OK;
}

int kt_cmd_supplier(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "callback", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *callback = NULL;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	json_t *s = NULL;
	char *secrets = NULL;
	int c, code = 1, cmd = -1;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	for (int i = 0; argc >= 3 && i < (int)(sizeof(commands) / sizeof(commands[0])); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			cmd = i;
	if (cmd < 0) {
		usage(stderr);
		return 2;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 'u': callback = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 - commands[cmd].n_args ||
	    (strcmp(commands[cmd].name, "subscribe") == 0) != (callback != NULL)) {
		usage(stderr);
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (!commands[cmd].fn) {
		code = show(db, argv[optind], &err) == KT_OK ? 0 : 1;
		goto out;
	}
	if (!(s = kt_store_supplier_by_key(db, argv[optind], &err)))
		goto out;
	if (kt_cli_supplier_secrets(s, &secrets, &err))
		goto out;
	kt_transport_global_init();
	code = kt_cli_with_supplier(&cfg, s, secrets, commands[cmd].fn,
				    (void *)(commands[cmd].n_args ? argv[optind + 1] : callback))
		== KT_OK ? 0 : 1;
	kt_transport_global_cleanup();
out:
	if (kt_err_isset(&err))
		kt_cli_print_err(&err);
	kt_secret_free(secrets);
	json_decref(s);
	kt_cli_release(&err, db, &cfg);
	return code;
}
