/* reload.c - SIGHUP for `keten serve` (see cli/reload.h): the log level,
 * the TLS certificate and the ops token change without a restart and
 * without dropping a request. Supplier secrets need no reload: they are
 * read where they are used (each delivery, push and poll). */
#include "base/log.h"
#include "cli/reload.h"
#include "http/ops.h"

void kt_serve_log_level(const struct kt_config *cfg)
{
	enum kt_log_level level = KT_LOG_INFO;

	kt_log_level_parse(cfg->log_level, &level);
	kt_log_set_level(level);
}

int kt_serve_reload(struct kt_app *app, struct kt_http *http, const char *config_file)
{
	struct kt_config fresh;
	struct kt_err err = { 0 };
	int rc = KT_ERR;

	kt_config_init(&fresh);
	if ((config_file && kt_config_load_file(&fresh, config_file, &err)) ||
	    kt_config_load_env(&fresh, &err) || kt_config_validate(&fresh, &err) ||
	    kt_http_reload(http, &fresh, &err))
		goto out;
	/* The certificate is in force; the token cannot fail any more than
	 * the certificate could, but if it does, the old one stays. */
	if (kt_ops_reload(app->ops, &fresh, &err))
		goto out;
	kt_serve_log_level(&fresh);
	rc = KT_OK;
	kt_log(KT_LOG_INFO, json_pack("{s:s, s:s, s:b}", "log_level", fresh.log_level,
				      "tls_cert", fresh.tls_cert,
				      "ops_token", fresh.ops_token_ref != NULL),
	       "configuration reloaded (SIGHUP); other settings need a restart");
out:
	if (rc != KT_OK)
		kt_log(KT_LOG_ERROR, json_pack("{s:s}", "error", err.code),
		       "SIGHUP: the configuration was not reloaded, the one in force stays: %s",
		       err.message);
	kt_err_release(&err);
	kt_config_release(&fresh);
	return rc;
}
