/* tls.c - the API server's SSL_CTX (protocol floor, certificate, key) and
 * the SSL object and bufferevent of each connection, with the hook that
 * tells the connection's owner when OpenSSL frees it. */
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "http/tls.h"

struct kt_tls {
	SSL_CTX *ctx;
};

/* The SSL ex_data slot holding each connection's hook; its free function
 * runs when the bufferevent frees the SSL, however evhttp closed it. */
static int hook_index = -1;

static void hook_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		      long argl, void *argp)
{
	struct kt_tls_hook *hook = ptr;

	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (hook)
		hook->on_free(hook);
}

static int ssl_fail(struct kt_err *err, const char *what, const char *file)
{
	char buf[160];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	return kt_err_set(err, KT_EC_CONFIG, "tls_setup", "could not load %s \"%s\": %s",
			  what, file, buf);
}

/* A server context with the certificate chain and key of the two files,
 * or NULL with a config error naming the file that could not be loaded. */
static SSL_CTX *context_new(const char *cert_file, const char *key_file, struct kt_err *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		kt_err_set(err, KT_EC_CONFIG, "tls_setup", "could not create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Thousands of idle or half-open connections hold no 34 KB buffers. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		ssl_fail(err, "certificate", cert_file);
	} else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
		   SSL_CTX_check_private_key(ctx) != 1) {
		ssl_fail(err, "private key", key_file);
	} else {
		return ctx;
	}
	SSL_CTX_free(ctx);
	return NULL;
}

struct kt_tls *kt_tls_server_new(const char *cert_file, const char *key_file,
				 struct kt_err *err)
{
	struct kt_tls *tls = calloc(1, sizeof(*tls));

	if (!tls) {
		kt_err_set(err, KT_EC_CONFIG, "tls_setup", "could not create a TLS context");
		return NULL;
	}
	if (hook_index < 0 &&
	    (hook_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, hook_free)) < 0) {
		kt_err_set(err, KT_EC_CONFIG, "tls_setup", "could not create a TLS data slot");
		free(tls);
		return NULL;
	}
	if (!(tls->ctx = context_new(cert_file, key_file, err))) {
		free(tls);
		return NULL;
	}
	return tls;
}

int kt_tls_reload(struct kt_tls *tls, const char *cert_file, const char *key_file,
		  struct kt_err *err)
{
	SSL_CTX *ctx = context_new(cert_file, key_file, err);

	if (!ctx)
		return KT_ERR;
	/* Each connection's SSL holds a reference to the context it was made
	 * with, so those keep theirs; the old one goes with the last of them. */
	SSL_CTX_free(tls->ctx);
	tls->ctx = ctx;
	return KT_OK;
}

struct bufferevent *kt_tls_bufferevent_new(struct kt_tls *tls,
					   struct event_base *base,
					   struct kt_tls_hook *hook)
{
	SSL *ssl = SSL_new(tls->ctx);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	/* On failure libevent frees ssl itself (BEV_OPT_CLOSE_ON_FREE). */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev && hook)
		SSL_set_ex_data(ssl, hook_index, hook);
	return bev;
}

struct kt_tls_hook *kt_tls_bufferevent_hook(struct bufferevent *bev)
{
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;

	return ssl ? SSL_get_ex_data(ssl, hook_index) : NULL;
}

void kt_tls_free(struct kt_tls *tls)
{
	if (!tls)
		return;
	SSL_CTX_free(tls->ctx);
	free(tls);
}
