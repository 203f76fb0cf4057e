/* cmd_serve.c - `keten serve`: builds the broker (loop, database pools,
 * HTTPS server, dispatcher, auto-close sweep, live relay), runs it until SIGINT/SIGTERM, and tears it
 * down in the order that lets every pending job finish cleanly. */
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include "lifecycle/autoclose.h"
#include "lifecycle/sla_alerts.h"
#include "cli/cli.h"
#include "cli/reload.h"
#include "store/dbpool.h"
#include "store/listen.h"
#include "store/migrations.h"
#include "store/rule_route_cache.h"
#include "dispatch/dispatcher.h"
#include "dispatch/restore_watch.h"
#include "dispatch/transport.h"
#include "http/key_cache.h"
#include "http/live_relay.h"
#include "http/throttle.h"
#include "http/ops.h"
#include "http/server.h"
#include "portal/oidc_client.h"
#include "base/log.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: keten serve [--config FILE] [--listen HOST:PORT] [--port-file F]\n"
		"                   [--check-config]\n\n"
		"Runs the broker: the HTTPS API, the dispatcher that delivers to\n"
		"suppliers and the inbound channel. --check-config validates the\n"
		"configuration and exits. Settings (file: name = value; environment:\n"
		"KETEN_<NAME>; the command line wins):\n\n");
	kt_config_print_help();
}

#define DRAIN_MS 10000     /* longest wait for API requests in flight */
#define FLUSH_MS 200       /* time for the last answers to leave */

/* The shutdown in progress: no new connections, no new deliveries, and
 * the loop runs on until every API request in flight has its answer. */
struct drain {
	struct kt_app *app;
	struct kt_http *http;
	const char *config_file;     /* read again on SIGHUP; may be NULL */
	struct kt_autoclose *autoclose;
	struct kt_sla_alerts *sla_alerts;
	struct kt_live_relay *live_relay;
	struct event *tick;
	int signals;
	int waited_ms;
};

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct drain *dr = arg;
	struct timeval flush = { 0, FLUSH_MS * 1000 };

	(void)fd;
	(void)what;
	dr->waited_ms += 50;
	if (kt_dbpool_busy(dr->app->api_pool) > 0 && dr->waited_ms < DRAIN_MS)
		return;
	event_del(dr->tick);
	event_base_loopexit(dr->app->base, &flush);
}

static void on_hangup(evutil_socket_t sig, short what, void *arg)
{
	struct drain *dr = arg;

	(void)sig;
	(void)what;
	kt_serve_reload(dr->app, dr->http, dr->config_file);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct drain *dr = arg;
	struct timeval every = { 0, 50 * 1000 };

	(void)what;
	if (dr->signals++ > 0) {
		kt_log(KT_LOG_WARN, json_pack("{s:i}", "signal", (int)sig),
		       "second signal: stopping without waiting");
		event_base_loopbreak(dr->app->base);
		return;
	}
	kt_log(KT_LOG_INFO, json_pack("{s:i, s:i}", "signal", (int)sig, "in_flight",
				      kt_dbpool_busy(dr->app->api_pool)),
	       "shutting down: answering the requests in flight");
	kt_http_stop_accepting(dr->http);
	kt_dispatcher_stop(dr->app->dispatcher);
	kt_autoclose_stop(dr->autoclose);
	kt_sla_alerts_stop(dr->sla_alerts);
	event_add(dr->tick, &every);
}

/* Refuses to serve on a database that lacks migrations of this release
 * (its statements would fail one request at a time); a database that is
 * not reachable yet is left to the pools, which wait for it. */
static int schema_current(const struct kt_config *cfg, struct kt_err *err)
{
	const struct kt_migration *first;
	struct kt_db *db;
	struct kt_err conn = { 0 };
	int missing, rc;

	if (kt_db_open(cfg->database_url, cfg->db_statement_timeout_ms, &db, &conn)) {
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", conn.code),
		       "database not reachable at start (%s): its migrations are not checked",
		       conn.message);
		kt_err_release(&conn);
		return KT_OK;
	}
	rc = kt_store_migrations_missing(db, &first, &missing, err);
	kt_db_free(db);
	if (rc == KT_OK && missing > 0)
		rc = kt_err_set(err, KT_EC_INTERNAL, "migrations_missing",
				"the database lacks %d migration(s) of this release, from %s:"
				" run `keten migrate` first",
				missing, first->name);
	return rc;
}

/* Sets of 8 callers' token buckets: 16384 buckets, about 1.5 MB. */
#define THROTTLE_SETS 2048

static int run(struct kt_app *app, const char *config_file)
{
	struct kt_err err = { 0 };
	struct kt_http *http = NULL;
	struct kt_listener *chain_heard = NULL;
	struct event *sigint = NULL, *sigterm = NULL, *sighup = NULL;
	struct drain dr = { .app = app, .config_file = config_file };
	int code = 1;

	if (schema_current(app->cfg, &err))
		goto out;
	if (!(app->keys = kt_key_cache_new(app->cfg->key_cache_ms)) ||
	    !(app->routes = kt_store_route_cache_new(app->cfg->route_cache_ms)) ||
	    !(app->throttle = kt_throttle_new(THROTTLE_SETS))) {
		kt_err_set(&err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		goto out;
	}
	/* Kept route plans go when any node changes the chain's parties. */
	if (app->cfg->route_cache_ms > 0 &&
	    !(chain_heard = kt_listener_open(app->base, app->cfg->database_url, KT_CHAIN_CHANNEL,
					     kt_store_route_cache_heard, app->routes, &err)))
		goto out;
	if (!(app->ops = kt_ops_new(app->cfg, &err)))
		goto out;
	if (app->oidc_cfg->on &&
	    !(app->oidc = kt_oidc_client_new(app->base, app->oidc_cfg, app->cfg, &err)))
		goto out;
	if (!(app->watch = kt_watch_new(app->cfg->state_dir, app->node_name, &err)))
		goto out;
	app->api_pool = kt_dbpool_new(app->base, "api", app->cfg->database_url,
				      app->cfg->db_pool_size, app->cfg->db_deadline_ms,
				      app->cfg->db_queue_max,
				      app->cfg->db_statement_timeout_ms, &err);
	if (!app->api_pool)
		goto out;
	/* The dispatcher's jobs are never refused and may wait as long as a
	 * lease lasts: an outcome recorded late is still worth recording. */
	app->bg_pool = kt_dbpool_new(app->base, "dispatch", app->cfg->database_url,
				     app->cfg->dispatch_db_pool_size,
				     app->cfg->lease_ms, 0,
				     app->cfg->db_statement_timeout_ms, &err);
	if (!app->bg_pool)
		goto out;
	if (!(app->dispatcher = kt_dispatcher_new(app, &err)))
		goto out;
	if (!(dr.autoclose = kt_autoclose_new(app, &err)))
		goto out;
	if (!(dr.sla_alerts = kt_sla_alerts_new(app, &err)))
		goto out;
	if (!(dr.live_relay = kt_live_relay_new(app, &err)))
		goto out;
	if (!(http = kt_http_start(app, &err)))
		goto out;
	dr.http = http;
	dr.tick = event_new(app->base, -1, EV_PERSIST, on_drain_tick, &dr);
	sigint = evsignal_new(app->base, SIGINT, on_signal, &dr);
	sigterm = evsignal_new(app->base, SIGTERM, on_signal, &dr);
	sighup = evsignal_new(app->base, SIGHUP, on_hangup, &dr);
	event_add(sigint, NULL);
	event_add(sigterm, NULL);
	event_add(sighup, NULL);
	kt_log(KT_LOG_INFO, json_pack("{s:s, s:i, s:s}", "listen", app->cfg->listen,
				      "port", kt_http_port(http), "node", app->node_name),
	       "keten serving");
	event_base_dispatch(app->base);
	code = 0;
out:
	if (kt_err_isset(&err))
		kt_log(KT_LOG_ERROR, json_pack("{s:s}", "error", err.code), "%s", err.message);
	kt_err_release(&err);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (sighup)
		event_free(sighup);
	if (dr.tick)
		event_free(dr.tick);
	/* The dispatcher stops first (abandons transfers; their leases run
	 * out), then the pools run their last done callbacks, which may still
	 * kick the stopped dispatcher, which is freed only after them. */
	kt_dispatcher_stop(app->dispatcher);
	kt_autoclose_stop(dr.autoclose);
	kt_sla_alerts_stop(dr.sla_alerts);
	kt_live_relay_stop(dr.live_relay);
	kt_dbpool_free(app->bg_pool);
	kt_dbpool_free(app->api_pool);
	/* After the pools (whose last jobs may still start a sign-in's call),
	 * before the server (the calls left are answered 503). */
	kt_oidc_client_free(app->oidc);
	kt_dispatcher_free(app->dispatcher);
	kt_autoclose_free(dr.autoclose);
	kt_sla_alerts_free(dr.sla_alerts);
	kt_live_relay_free(dr.live_relay);
	kt_http_free(http);
	kt_key_cache_free(app->keys);
	kt_listener_free(chain_heard);
	kt_store_route_cache_free(app->routes);
	kt_throttle_free(app->throttle);
	kt_ops_free(app->ops);
	kt_watch_free(app->watch);
	return code;
}

int kt_cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *listen = NULL, *port_file = NULL;
	struct kt_app app = { 0 };
	struct kt_config cfg;
	struct kt_oidc_config oidc_cfg = { 0 };
	struct kt_err err = { 0 };
	int c, check = 0, code = 1;

	while ((c = getopt_long(argc, argv, "c:l:p:kh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 'l': listen = optarg; break;
		case 'p': port_file = optarg; break;
		case 'k': check = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if ((listen && kt_config_set(&cfg, "listen", listen, &err)) ||
	    (port_file && kt_config_set(&cfg, "port_file", port_file, &err)) ||
	    kt_config_validate(&cfg, &err) || kt_oidc_config_load(&oidc_cfg, &cfg, &err)) {
		kt_cli_print_err(&err);
		goto out;
	}
	kt_serve_log_level(&cfg);
	if (check) {
		printf("configuration ok\n");
		code = 0;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (cfg.node_name)
		snprintf(app.node_name, sizeof(app.node_name), "%s", cfg.node_name);
	else {
		char host[64] = "localhost";

		gethostname(host, sizeof(host) - 1);
		snprintf(app.node_name, sizeof(app.node_name), "%s:%d", host, (int)getpid());
	}
	/* Before any thread starts: curl's globals and libevent's locking. */
	kt_transport_global_init();
	evthread_use_pthreads();
	app.cfg = &cfg;
	app.oidc_cfg = &oidc_cfg;
	app.base = event_base_new();
	if (!app.base) {
		fprintf(stderr, "keten: could not create the event loop\n");
		goto cleanup;
	}
	code = run(&app, config_file);
	event_base_free(app.base);
cleanup:
	kt_transport_global_cleanup();
	libevent_global_shutdown();
out:
	kt_err_release(&err);
	kt_oidc_config_release(&oidc_cfg);
	kt_config_release(&cfg);
	return code;
}
