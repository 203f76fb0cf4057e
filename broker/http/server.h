/* server.h - the HTTPS API server on the event loop: TLS per connection,
 * limits, routing to http/api.h handlers through the API database pool, JSON
 * answers and one log line per request. */
#ifndef KETEN_SERVER_H
#define KETEN_SERVER_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_http;

/* Binds cfg->listen (port 0 picks one), writes the port to cfg->port_file
 * when set, and serves on app->base. */
struct kt_http *kt_http_start(struct kt_app *app, struct kt_err *err);

/* Accepts no more connections; open ones are still served (draining). */
void kt_http_stop_accepting(struct kt_http *http);

/* The bound port. */
int kt_http_port(const struct kt_http *http);

/* Loads cfg's web_root (the portal's pages), tls_cert and tls_key again
 * (SIGHUP): new connections get
 * them, open ones keep theirs; on failure nothing changes. Loop thread. */
int kt_http_reload(struct kt_http *http, const struct kt_config *cfg, struct kt_err *err);

/* Stops accepting and frees the server; accepts NULL. */
void kt_http_free(struct kt_http *http);

#endif
