/* tls.h - the TLS side of the API server (OpenSSL stays behind this wall):
 * a context of TLS 1.2 or newer with certificate and key from PEM files,
 * and the TLS bufferevent of each accepted connection. */
#ifndef KETEN_TLS_H
#define KETEN_TLS_H

#include "keten/err.h"

struct bufferevent;
struct event_base;
struct kt_tls;

/* Reads the certificate and key; NULL with a config error naming the file
 * that could not be loaded. Free with kt_tls_free(). */
struct kt_tls *kt_tls_server_new(const char *cert_file, const char *key_file,
				 struct kt_err *err);

/* A new bufferevent on base that accepts one TLS connection under tls's
 * context and closes its socket when freed (evhttp's bevcb: evhttp sets
 * the socket and owns the result), or NULL when out of memory. */
struct bufferevent *kt_tls_bufferevent_new(struct kt_tls *tls,
					   struct event_base *base);

/* Accepts NULL. */
void kt_tls_free(struct kt_tls *tls);

#endif
