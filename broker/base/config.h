/* config.h - the broker's settings: one declarative table (config.c) read
 * from defaults, then an optional file of `name = value` lines, then
 * KETEN_<NAME> environment variables, then command-line overrides. */
#ifndef KETEN_CONFIG_H
#define KETEN_CONFIG_H

#include "keten/err.h"

struct kt_config {
	char *database_url;          /* libpq conninfo or URI */
	char *listen;                /* host:port; port 0 picks a free one */
	char *port_file;             /* where to write the bound port, or NULL */
	char *tls_cert;              /* PEM certificate chain of the server */
	char *tls_key;               /* PEM private key of the server */
	char *supplier_ca;           /* CA bundle that supplier certificates must chain to */
	char *node_name;
	char *log_level;             /* debug, info, warn or error */             /* lease owner name; defaults to host:pid */
	int db_pool_size;            /* connections serving API requests */
	int dispatch_db_pool_size;   /* connections of the dispatcher and sweeps */
	int db_deadline_ms;          /* longest a request waits for the database */
	int db_queue_max;            /* API requests waiting for the database at most */
	int db_statement_timeout_ms;
	int max_body_bytes;          /* API request body limit (413 above it) */
	int pre_auth_body_bytes;     /* larger bodies need a working key first */
	int inbound_max_body_bytes;  /* a signed push's body limit */
	int max_connections;         /* open API connections at most */
	int request_deadline_ms;     /* handshake + request, or answer + next request */
	int accept_retry_ms;         /* rest of the listener after accept() failed */
	int dispatch;                /* 1: this node delivers; 0: API only */
	int dispatch_interval_ms;    /* sweep of the outbox when not woken */
	int poll_tick_ms;            /* how often due supplier feeds are looked for */
	int announce_interval_ms;    /* coalescing of NOTIFYs to other nodes */
	int dispatch_batch;          /* messages claimed per round */
	int dispatch_max_inflight;   /* supplier calls in flight at most */
	int dispatch_record_wait_ms; /* an outcome waits for others this long */
	int lease_ms;                /* outbox lease; outlasts supplier_timeout_ms */
	int supplier_connect_timeout_ms;
	int supplier_timeout_ms;     /* total time of one supplier call */
	int supplier_search_lag_ms;  /* a supplier's search lags its writes this much */
	int supplier_max_response_bytes;
	int supplier_max_inflight;   /* calls in flight to one supplier at most */
	int supplier_low_speed_bytes; /* below this many bytes a second ... */
	int supplier_low_speed_time_s; /* ... for this long, a call is cut */
	int retry_base_ms;           /* first retry delay; doubles per attempt */
	int retry_max_ms;            /* cap of the retry delay and of a Retry-After pause */
	int supplier_retry_budget_s; /* time from a message's first attempt to its dead letter */
	int breaker_failures;        /* failures in a row that open a supplier's circuit */
	int breaker_open_ms;         /* first open period of a circuit */
	int breaker_open_max_ms;     /* longest open period (doubles per failed probe) */
	int delivery_delayed_p1_ms;  /* unconfirmed first delivery of a P1 leg: delivery_delayed */
	int delivery_delayed_p2_ms;  /* the same for P2 */
	int delivery_delayed_other_ms; /* the same for P3-P5 */
	int webhook_tolerance_s;     /* accepted clock skew of inbound deliveries */
	int idempotency_ttl_s;       /* how long answers to Idempotency-Keys are kept */
	int inbound_retention_s;     /* how long inbound delivery ids are kept */
	int supplier_calls_retention_s; /* how long supplier call records are kept */
	int hop_limit;               /* re-routings before a rejection escalates */
	int auto_close_s;            /* a resolved ticket nobody confirmed closes after this */
	int sla_alert_interval_ms;   /* the SLA warning and breach sweep's tick */
	int sla_notify_interval_ms;  /* the SLA notifications' claim tick */
	int key_cache_ms;            /* an API key's principal is kept this long */
	int route_cache_ms;          /* a route plan is kept at most this long */
	int hub_tick_ms;             /* the hub registration sweep's tick */
	/* bounded timelines (issue 14, finding 1) */
	int comment_max_bytes;       /* largest comment text (413 above it) */
	int comments_per_ticket_max; /* comments and notes of one ticket (422 past it) */
	int ticket_timeline_entries; /* timeline entries a ticket's GET carries */
	/* API keys' use and callers' rates (issue 14): token buckets per key
	 * (by its role) and per client address (callers without a key) */
	int key_last_used_s;         /* last_used_at moves at most this often */
	int rate_integrator_per_s, rate_integrator_burst;
	int rate_customer_per_s, rate_customer_burst;
	int rate_supplier_per_s, rate_supplier_burst;
	int rate_address_per_s, rate_address_burst;
	char *audit_key;             /* secret reference of the audit checkpoint key */
	/* outbound reach, secrets and the operator's endpoints (issue 14) */
	char *secrets_dir;           /* the one directory file: secret_refs read */
	char *ops_token_ref;         /* secret_ref of the token of /metrics and /readyz */
	int ready_cache_ms;          /* /readyz answers from a check this recent */
	/* single sign-on with OpenID Connect (issue 15, portal/oidc_config.h) */
	char *oidc_issuer;           /* the provider's issuer URL; NULL: SSO off */
	char *oidc_client_id;
	char *oidc_client_secret_ref; /* secret_ref of the client secret */
	char *oidc_redirect_uri;     /* https://<us>/v1/oidc/callback */
	char *oidc_scopes;
	char *oidc_allowed_algs;     /* comma list of RS256, ES256 */
	char *oidc_role_claim;       /* claim whose value(s) choose the role */
	char *oidc_integrator_values; /* comma list: any of them -> integrator */
	char *oidc_customer_values;  /* comma list: any of them -> customer */
	char *oidc_customer_claim;   /* claim holding the customer's key */
	char *oidc_ca_file;          /* CAs the provider's certificate chains to */
	char *oidc_allow_addresses;  /* comma list: loopback, private, link-local */
	char *oidc_label;            /* the sign-in page's name of the provider */
	int oidc_skew_s;             /* clock skew allowed on the ID token */
	int oidc_login_ttl_s;        /* a sign-in's state lives this long */
	int oidc_jwks_refetch_s;     /* the JWKS is fetched again at most this often */
	/* people's sign-in and sessions (issue 15) */
	int session_idle_s;          /* a session unused this long has ended */
	int session_absolute_s;      /* a session ends this long after sign-in */
	int signin_window_s;         /* the sign-in throttle's window */
	int signin_max_failures;     /* failed sign-ins per email per window */
	int signin_max_failures_address; /* failed sign-ins per address per window */
	int person_link_s;           /* an invite or reset link works this long */
	/* the portal's edge (issue 15) */
	char *web_root;              /* static pages' folder, or NULL: none */
	int max_streams;             /* open GET /v1/stream at most */
	int stream_heartbeat_ms;     /* comment line on a quiet stream */
	int stream_recheck_ms;       /* a stream's key or session checked again */
	int live_relay_ms;           /* the live queue relayed this often */
	/* recovery after a restore (issue 16) */
	char *state_dir;             /* where the node remembers the database's mark */
};

/* Fills cfg with the defaults. */
void kt_config_init(struct kt_config *cfg);

/* Reads `name = value` lines (# comments) from path. KT_ERR on an unknown
 * name, a bad value or an unreadable file; err says which line. */
int kt_config_load_file(struct kt_config *cfg, const char *path,
			struct kt_err *err);

/* Applies every KETEN_<NAME> variable that is set. */
int kt_config_load_env(struct kt_config *cfg, struct kt_err *err);

/* The bounds of integer setting name (as in the file): KT_OK with *min
 * and *max set, KT_ERR for an unknown or non-integer setting. For checks
 * elsewhere that must agree with the table (a supplier's own limits). */
int kt_config_bounds(const char *name, long *min, long *max);

/* Sets one setting by its name (as in the file). */
int kt_config_set(struct kt_config *cfg, const char *name, const char *value,
		  struct kt_err *err);

/* Checks what a serving broker needs (database, TLS files readable, lease
 * longer than the supplier timeout). */
int kt_config_validate(const struct kt_config *cfg, struct kt_err *err);

/* Prints every setting and its help line (secrets are never printed). */
void kt_config_print_help(void);

void kt_config_release(struct kt_config *cfg);

#endif
