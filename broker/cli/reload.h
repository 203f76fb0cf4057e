/* reload.h - what `keten serve` does on SIGHUP: reads its configuration
 * again (the same file and KETEN_* variables) and applies what can change
 * while it serves. */
#ifndef KETEN_CLI_RELOAD_H
#define KETEN_CLI_RELOAD_H

#include "cli/app.h"
#include "http/server.h"

/* Reads config_file (may be NULL) and the environment into a fresh
 * configuration, checks it as at start, then applies the log level, the
 * TLS certificate and key (new connections) and the ops token. Nothing
 * is applied unless all of it loads; the settings in force stay then.
 * Every other setting needs a restart. Logs what it did; KT_OK or KT_ERR.
 * Loop thread only. */
int kt_serve_reload(struct kt_app *app, struct kt_http *http, const char *config_file);

/* Sets the log level cfg names (checked by kt_config_validate). */
void kt_serve_log_level(const struct kt_config *cfg);

#endif
