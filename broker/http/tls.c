/* tls.c - the API server's SSL_CTX (protocol floor, certificate, key) and
 * the SSL object and bufferevent of each connection. */
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "http/tls.h"

struct kt_tls {
	SSL_CTX *ctx;
};

static int ssl_fail(struct kt_err *err, const char *what, const char *file)
{
	char buf[160];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	return kt_err_set(err, KT_EC_CONFIG, "tls_setup", "could not load %s \"%s\": %s",
			  what, file, buf);
}

struct kt_tls *kt_tls_server_new(const char *cert_file, const char *key_file,
				 struct kt_err *err)
{
	struct kt_tls *tls = calloc(1, sizeof(*tls));

	if (!tls || !(tls->ctx = SSL_CTX_new(TLS_server_method()))) {
		kt_err_set(err, KT_EC_CONFIG, "tls_setup", "could not create a TLS context");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(tls->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(tls->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(tls->ctx, cert_file) != 1) {
		ssl_fail(err, "certificate", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(tls->ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(tls->ctx) != 1) {
		ssl_fail(err, "private key", key_file);
		goto fail;
	}
	return tls;
fail:
	kt_tls_free(tls);
	return NULL;
}

struct bufferevent *kt_tls_bufferevent_new(struct kt_tls *tls,
					   struct event_base *base)
{
	SSL *ssl = SSL_new(tls->ctx);

	if (!ssl)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

void kt_tls_free(struct kt_tls *tls)
{
	if (!tls)
		return;
	SSL_CTX_free(tls->ctx);
	free(tls);
}
