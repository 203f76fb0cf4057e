/* config.c - the one table of broker settings, with types, defaults, bounds
 * and help, and the readers of files and environment built on it. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"

enum opt_type { OPT_STR, OPT_INT };

struct opt {
	const char *name;
	enum opt_type type;
	size_t offset;
	const char *def;
	long min, max;
	const char *help;
};

#define STR(f, def, help) { #f, OPT_STR, offsetof(struct kt_config, f), def, 0, 0, help }
#define INT(f, def, lo, hi, help) { #f, OPT_INT, offsetof(struct kt_config, f), #def, lo, hi, help }

static const struct opt opts[] = {
	STR(database_url, NULL, "libpq conninfo or URI of the database (required)"),
	STR(listen, "127.0.0.1:8443", "address:port of the HTTPS API; port 0 picks a free one"),
	STR(port_file, NULL, "file to write the bound port to once listening"),
	STR(tls_cert, NULL, "PEM certificate (chain) of the API server (required to serve)"),
	STR(tls_key, NULL, "PEM private key of the API server (required to serve)"),
	STR(supplier_ca, NULL, "CA bundle for supplier certificates (default: the system's)"),
	STR(node_name, NULL, "name of this broker node in leases (default host:pid)"),
	STR(log_level, "info", "the least level logged: debug, info, warn or error (SIGHUP reloads it)"),
	INT(db_pool_size, 4, 1, 64, "database connections serving API requests"),
	INT(dispatch_db_pool_size, 2, 1, 64, "database connections of the dispatcher and the sweeps"),
	INT(db_deadline_ms, 5000, 100, 600000, "longest an API request waits for the database before 503"),
	INT(db_queue_max, 1024, 1, 1000000, "API requests waiting for the database at most (503 above it)"),
	INT(db_statement_timeout_ms, 30000, 100, 3600000, "statement_timeout of the broker's sessions"),
	INT(max_body_bytes, 1048576, 1024, 67108864, "largest API request body (413 above it)"),
	INT(pre_auth_body_bytes, 65536, 1024, 67108864, "a request body above this is read only after its API key was found to work (401 before the body otherwise)"),
	INT(inbound_max_body_bytes, 262144, 1024, 67108864, "largest body of a supplier's signed push (413 before the body above it)"),
	INT(max_connections, 1000, 1, 1000000, "open API connections at most: at the cap the broker stops accepting until one closes (keep it below the file descriptor limit)"),
	INT(request_deadline_ms, 20000, 100, 3600000, "a connection's TLS handshake and first request (headers and body), and after each answer the next request, must arrive within this, or it is closed"),
	INT(accept_retry_ms, 1000, 10, 60000, "after accept() fails (out of file descriptors) the listener rests this long before it accepts again"),
	INT(dispatch, 1, 0, 1, "1: this node delivers to suppliers; 0: it serves the API only"),
	INT(dispatch_interval_ms, 1000, 10, 600000, "outbox sweep interval when not woken"),
	INT(poll_tick_ms, 1000, 10, 600000, "how often a delivering node looks for supplier feeds due to be polled"),
	INT(announce_interval_ms, 50, 1, 60000, "new work is announced to other nodes at most this often"),
	INT(dispatch_batch, 32, 1, 1000, "outbox messages claimed per round"),
	INT(dispatch_max_inflight, 64, 1, 10000, "supplier calls in flight at most"),
	INT(dispatch_record_wait_ms, 5, 0, 1000, "a finished delivery waits at most this long for the calls still in flight, so that their outcomes are recorded in one statement (0: never)"),
	INT(lease_ms, 60000, 100, 86400000, "outbox lease; must outlast supplier_timeout_ms"),
	INT(supplier_connect_timeout_ms, 5000, 10, 600000, "connect + TLS handshake timeout of a supplier call"),
	INT(supplier_timeout_ms, 30000, 10, 3600000, "total timeout of a supplier call"),
	INT(supplier_search_lag_ms, 5000, 0, 3600000, "how far a supplier's search may lag behind its writes: a lookup before a re-create waits this long"),
	INT(supplier_max_response_bytes, 1048576, 1024, 67108864, "largest supplier answer read"),
	INT(supplier_max_inflight, 8, 1, 10000, "calls in flight to one supplier at most (per broker process)"),
	INT(supplier_low_speed_bytes, 1, 0, 1048576, "a supplier call moving fewer bytes a second than this for supplier_low_speed_time_s is cut; 0: off"),
	INT(supplier_low_speed_time_s, 20, 1, 3600, "seconds below supplier_low_speed_bytes a second that cut a supplier call"),
	INT(retry_base_ms, 1000, 1, 3600000, "first retry delay of a failed supplier call"),
	INT(retry_max_ms, 3600000, 1, 86400000, "longest retry delay and longest Retry-After pause"),
	INT(supplier_retry_budget_s, 86400, 1, 2592000, "seconds from a message's first attempt to its dead letter (429 pauses not counted)"),
	INT(breaker_failures, 5, 1, 1000, "failed supplier calls in a row that open its circuit in this process"),
	INT(breaker_open_ms, 30000, 10, 3600000, "how long an open circuit sends nothing before one probe"),
	INT(breaker_open_max_ms, 300000, 10, 86400000, "longest open period; each failed probe doubles it up to this"),
	INT(delivery_delayed_p1_ms, 300000, 100, 604800000, "a P1 leg's create not confirmed after this: delivery_delayed"),
	INT(delivery_delayed_p2_ms, 900000, 100, 604800000, "a P2 leg's create not confirmed after this: delivery_delayed"),
	INT(delivery_delayed_other_ms, 3600000, 100, 604800000, "a P3-P5 leg's create not confirmed after this: delivery_delayed"),
	INT(webhook_tolerance_s, 300, 1, 86400, "accepted clock skew of signed inbound deliveries"),
	INT(idempotency_ttl_s, 86400, 1, 2592000, "seconds an answer to an Idempotency-Key is kept for replay"),
	INT(inbound_retention_s, 604800, 600, 31536000, "seconds a supplier delivery's id is remembered to refuse its repeat; must exceed twice webhook_tolerance_s"),
	INT(supplier_calls_retention_s, 34560000, 3600, 315360000, "seconds each supplier call's record (the scorecards' attempts) is kept; older ones are purged"),
	INT(hop_limit, 3, 0, 100, "re-routings of a ticket after which a supplier's rejection escalates it to the integrator"),
	INT(auto_close_s, 432000, 1, 31536000, "seconds a resolved ticket waits for the customer's confirmation before it closes"),
	INT(key_cache_ms, 5000, 0, 5000, "how long a node keeps an API key's principal (a revoked key works at most this long); 0: never"),
	INT(route_cache_ms, 5000, 0, 3600000, "how long a node keeps a new ticket's route plan when it misses the notice of a change to a supplier's ticket types or contracts; 0: never"),
	INT(sla_alert_interval_ms, 60000, 100, 3600000, "how often each node records the SLA warnings and breaches that came due"),
	INT(hub_tick_ms, 5000, 10, 600000, "how often a delivering node looks for hub registrations to make or remove"),
	INT(comment_max_bytes, 65536, 1, 65536, "largest comment text in bytes posted through the API (413 comment_too_large above it)"),
	INT(comments_per_ticket_max, 500, 1, 100000, "comments and notes one ticket may hold; the API refuses more with 422 too_many_comments"),
	INT(ticket_timeline_entries, 100, 50, 200, "timeline entries a ticket's GET (and 201) carries, at least 50 so that a new ticket's always fit; the rest through GET /v1/tickets/{id}/timeline"),
	INT(sla_notify_interval_ms, 5000, 10, 3600000, "how often a delivering node sends the SLA notifications that are due to the integrator's webhook"),
	/* API keys' use and callers' rates (http/throttle.c); buckets are per node */
	INT(key_last_used_s, 60, 0, 86400, "an API key's last_used_at is moved at most this often (seconds)"),
	INT(rate_integrator_per_s, 100, 0, 1000000, "requests a second an integrator key may make on one node; 0: no limit"),
	INT(rate_integrator_burst, 200, 1, 1000000, "requests an integrator key may make at once on one node"),
	INT(rate_customer_per_s, 20, 0, 1000000, "requests a second a customer key may make on one node; 0: no limit"),
	INT(rate_customer_burst, 100, 1, 1000000, "requests a customer key may make at once on one node"),
	INT(rate_supplier_per_s, 20, 0, 1000000, "requests a second a supplier key may make on one node; 0: no limit"),
	INT(rate_supplier_burst, 100, 1, 1000000, "requests a supplier key may make at once on one node"),
	INT(rate_address_per_s, 20, 0, 1000000, "requests a second one client address may make without a working API key (signed supplier pushes, failed keys) on one node; 0: no limit"),
	INT(rate_address_burst, 100, 1, 1000000, "requests one client address may make at once without a working API key on one node"),
	STR(audit_key, NULL, "secret reference (env:NAME or file:/path) of the key that signs and checks audit checkpoints (keten audit)"),
	/* outbound reach, secrets and the operator's endpoints (issue 14) */
	STR(secrets_dir, NULL, "the one directory whose regular files file: secret_refs may name (none: file: refused)"),
	STR(ops_token_ref, NULL, "secret_ref (env:KETEN_SECRET_* or file:) of the bearer token /metrics and /readyz require (none: both answer 401)"),
	INT(ready_cache_ms, 1000, 0, 60000, "/readyz answers from a database check at most this old; 0: checks every time"),
	/* single sign-on with OpenID Connect (portal/oidc_config.c checks them) */
	STR(oidc_issuer, NULL, "issuer URL of the OpenID Connect provider (https); unset: single sign-on is off"),
	STR(oidc_client_id, NULL, "the broker's client id at the OpenID Connect provider"),
	STR(oidc_client_secret_ref, NULL, "secret_ref (env:KETEN_SECRET_* or file:) of the client secret at the provider"),
	STR(oidc_redirect_uri, NULL, "the https URL of this broker's /v1/oidc/callback, as registered at the provider"),
	STR(oidc_scopes, "openid email profile", "scopes asked for at sign-in (space-separated; must hold openid)"),
	STR(oidc_allowed_algs, "RS256,ES256", "ID token signing algorithms accepted (comma list of RS256, ES256)"),
	STR(oidc_role_claim, "groups", "ID token claim (a string or a list of strings) whose values choose the Keten role"),
	STR(oidc_integrator_values, NULL, "comma list: a person whose role claim holds any of these is an integrator"),
	STR(oidc_customer_values, NULL, "comma list: a person whose role claim holds any of these is a customer"),
	STR(oidc_customer_claim, "keten_customer", "ID token claim holding a customer person's customer key"),
	STR(oidc_ca_file, NULL, "CA bundle the provider's certificate must chain to (default: the system's)"),
	STR(oidc_allow_addresses, NULL, "comma list of address kinds (loopback, private, link-local) the provider may be reached at beyond public ones"),
	STR(oidc_label, "Single sign-on", "the provider's name on the sign-in page"),
	INT(oidc_skew_s, 60, 0, 600, "clock skew allowed on an ID token's exp, iat and nbf (seconds)"),
	INT(oidc_login_ttl_s, 600, 10, 3600, "seconds a single sign-on attempt may take from the sign-in link to the callback"),
	INT(oidc_jwks_refetch_s, 60, 1, 86400, "the provider's keys are fetched again on an unknown kid at most this often (seconds)"),
	/* people's sign-in and sessions (issue 15) */
	INT(session_idle_s, 3600, 1, 604800, "a signed-in session not used for this many seconds has ended"),
	INT(session_absolute_s, 43200, 1, 2592000, "a signed-in session ends this many seconds after sign-in, used or not"),
	INT(signin_window_s, 900, 1, 86400, "the window (seconds) in which failed sign-ins are counted, per email and per client address, across nodes"),
	INT(signin_max_failures, 5, 1, 100000, "failed sign-ins for one email in a window, after which it answers 429 until the window ends"),
	INT(signin_max_failures_address, 50, 1, 100000, "failed sign-ins from one client address in a window, after which it answers 429 until the window ends"),
	INT(person_link_s, 86400, 1, 2592000, "seconds an invite or password reset link works (once)"),
	/* the portal's edge (issue 15): its static pages and live stream */
	STR(web_root, NULL, "folder of the portal's static pages (web/ of the source, /usr/share/keten/web of the package), loaded into memory at start and on SIGHUP; none: no pages, every path outside the API answers 404"),
	INT(max_streams, 200, 0, 100000, "open live streams (GET /v1/stream) at most on this node; beyond it 503 with Retry-After"),
	INT(stream_heartbeat_ms, 15000, 100, 3600000, "a live stream sends a comment line this often, so proxies and browsers keep it open"),
	INT(stream_recheck_ms, 5000, 100, 600000, "a live stream's key or session is checked again this often: a revoked key or ended session ends its stream within it"),
	INT(live_relay_ms, 200, 10, 10000, "this node relays the changes people watch, queued by the writes, to every node's live streams this often: a change reaches a stream within about this long"),
	/* recovery after a restore (issue 16) */
	STR(state_dir, NULL, "directory where this node remembers the database's identity and progress mark, to hold dispatch after a restore (the unit's StateDirectory; none: not watched)"),
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static const struct opt *find(const char *name)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

static int set_opt(struct kt_config *cfg, const struct opt *o, const char *value,
		   struct kt_err *err)
{
	char *field = (char *)cfg + o->offset;

	if (o->type == OPT_STR) {
		char **s = (char **)(void *)field;
		free(*s);
		*s = value ? strdup(value) : NULL;
		return KT_OK;
	} else {
		char *end;
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0')
			return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
					  "setting \"%s\" needs a whole number, not \"%s\"",
					  o->name, value);
		if (v < o->min || v > o->max)
			return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
					  "setting \"%s\" must be between %ld and %ld",
					  o->name, o->min, o->max);
		*(int *)(void *)field = (int)v;
		return KT_OK;
	}
}

void kt_config_init(struct kt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].def)
			set_opt(cfg, &opts[i], opts[i].def, NULL);
}

int kt_config_set(struct kt_config *cfg, const char *name, const char *value,
		  struct kt_err *err)
{
	const struct opt *o = find(name);

	if (!o)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config", "unknown setting \"%s\"", name);
	return set_opt(cfg, o, value, err);
}

int kt_config_bounds(const char *name, long *min, long *max)
{
	const struct opt *o = find(name);

	if (!o || o->type != OPT_INT)
		return KT_ERR;
	*min = o->min;
	*max = o->max;
	return KT_OK;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int kt_config_load_file(struct kt_config *cfg, const char *path,
			struct kt_err *err)
{
	char line[4096];
	int lineno = 0, rc = KT_OK;
	FILE *f = fopen(path, "r");

	if (!f)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "could not open config file \"%s\": %s",
				  path, strerror(errno));
	while (rc == KT_OK && fgets(line, sizeof(line), f)) {
		char *name, *value, *eq;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = kt_err_set(err, KT_EC_MALFORMED, "bad_config", "%s:%d: line longer than %zu bytes",
					path, lineno, sizeof(line) - 2);
			break;
		}
		name = trim(line);
		if (*name == '\0' || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (!eq) {
			rc = kt_err_set(err, KT_EC_MALFORMED, "bad_config",
					"%s:%d: expected name = value", path, lineno);
			break;
		}
		*eq = '\0';
		name = trim(name);
		value = trim(eq + 1);
		rc = kt_config_set(cfg, name, value, err);
		if (rc != KT_OK) {
			char msg[sizeof(err->message)];

			snprintf(msg, sizeof(msg), "%s", err->message);
			kt_err_set(err, KT_EC_MALFORMED, "bad_config", "%s:%d: %s", path, lineno, msg);
		}
	}
	fclose(f);
	return rc;
}

int kt_config_load_env(struct kt_config *cfg, struct kt_err *err)
{
	for (size_t i = 0; i < N_OPTS; i++) {
		char var[64];
		const char *v;
		size_t j;

		snprintf(var, sizeof(var), "KETEN_%s", opts[i].name);
		for (j = 6; var[j]; j++)
			var[j] = (char)toupper((unsigned char)var[j]);
		v = getenv(var);
		if (v && set_opt(cfg, &opts[i], v, err) != KT_OK)
			return KT_ERR;
	}
	return KT_OK;
}

static int readable(const char *what, const char *path, struct kt_err *err)
{
	if (!path || !*path)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config", "setting \"%s\" is required", what);
	if (access(path, R_OK) != 0)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "%s file \"%s\" is not readable: %s",
				  what, path, strerror(errno));
	return KT_OK;
}

int kt_config_validate(const struct kt_config *cfg, struct kt_err *err)
{
	if (!cfg->database_url || !*cfg->database_url)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "setting \"database_url\" is required (KETEN_DATABASE_URL)");
	if (readable("tls_cert", cfg->tls_cert, err) ||
	    readable("tls_key", cfg->tls_key, err))
		return KT_ERR;
	if (cfg->supplier_ca && readable("supplier_ca", cfg->supplier_ca, err))
		return KT_ERR;
	if (cfg->web_root && readable("web_root", cfg->web_root, err))
		return KT_ERR;
	if (kt_log_level_parse(cfg->log_level, NULL) != 0)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "setting \"log_level\" is debug, info, warn or error, not \"%s\"",
				  cfg->log_level);
	if (!strchr(cfg->listen, ':'))
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "setting \"listen\" needs host:port, not \"%s\"", cfg->listen);
	if (cfg->lease_ms <= cfg->supplier_timeout_ms)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "lease_ms (%d) must be longer than supplier_timeout_ms (%d)",
				  cfg->lease_ms, cfg->supplier_timeout_ms);
	if (cfg->retry_max_ms < cfg->retry_base_ms)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "retry_max_ms must not be below retry_base_ms");
	if (cfg->breaker_open_max_ms < cfg->breaker_open_ms)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "breaker_open_max_ms must not be below breaker_open_ms");
	/* A signed delivery is accepted within webhook_tolerance_s either side
	 * of now: its id must be remembered longer than it can be replayed. */
	if (cfg->inbound_retention_s <= 2 * cfg->webhook_tolerance_s)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config",
				  "inbound_retention_s (%d) must exceed twice webhook_tolerance_s (%d)",
				  cfg->inbound_retention_s, cfg->webhook_tolerance_s);
	return KT_OK;
}

void kt_config_print_help(void)
{
	for (size_t i = 0; i < N_OPTS; i++)
		printf("  %-28s %s (default %s)\n", opts[i].name, opts[i].help,
		       opts[i].def ? opts[i].def : "none");
}

void kt_config_release(struct kt_config *cfg)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].type == OPT_STR)
			free(*(char **)(void *)((char *)cfg + opts[i].offset));
	memset(cfg, 0, sizeof(*cfg));
}
