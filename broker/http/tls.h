/* tls.h - the TLS side of the API server (OpenSSL stays behind this wall):
 * a context of TLS 1.2 or newer with certificate and key from PEM files,
 * and the TLS bufferevent of each accepted connection. */
#ifndef KETEN_TLS_H
#define KETEN_TLS_H

#include "keten/err.h"

struct bufferevent;
struct event_base;
struct kt_tls;

/* Told when a connection's TLS state is freed: embed it in the caller's
 * per-connection record and recover the record from the pointer. */
struct kt_tls_hook {
	void (*on_free)(struct kt_tls_hook *hook);
};

/* Reads the certificate and key; NULL with a config error naming the file
 * that could not be loaded. Idle connections keep no TLS buffers
 * (SSL_MODE_RELEASE_BUFFERS). Free with kt_tls_free(). */
struct kt_tls *kt_tls_server_new(const char *cert_file, const char *key_file,
				 struct kt_err *err);

/* Loads the certificate and key again (after a renewal, on SIGHUP): new
 * connections get them, connections already open keep theirs. On failure
 * (the config error of kt_tls_server_new) tls keeps what it had. Loop
 * thread only. */
int kt_tls_reload(struct kt_tls *tls, const char *cert_file, const char *key_file,
		  struct kt_err *err);

/* A new bufferevent on base, without a socket yet, that accepts one TLS
 * connection under tls's context and closes its socket when freed (for
 * evhttp's bevcb: evhttp sets the socket and owns the result). hook
 * (borrowed; may be NULL) has its on_free called once, when the
 * bufferevent and its TLS state are freed. NULL when out of memory; then
 * on_free is never called. */
struct bufferevent *kt_tls_bufferevent_new(struct kt_tls *tls,
					   struct event_base *base,
					   struct kt_tls_hook *hook);

/* The hook bev was made with by kt_tls_bufferevent_new, or NULL. */
struct kt_tls_hook *kt_tls_bufferevent_hook(struct bufferevent *bev);

/* Accepts NULL. */
void kt_tls_free(struct kt_tls *tls);

#endif
