/* tls.h - the TLS server context of the API (OpenSSL stays behind this
 * wall): TLS 1.2 or newer, certificate and key from PEM files. */
#ifndef KETEN_TLS_H
#define KETEN_TLS_H

#include "keten/err.h"

struct kt_tls;

struct kt_tls *kt_tls_server_new(const char *cert_file, const char *key_file,
				 struct kt_err *err);
/* A new SSL object for one accepted connection (as void *, to keep
 * <openssl/ssl.h> out of callers), or NULL. */
void *kt_tls_session_new(struct kt_tls *tls);
/* Accepts NULL. */
void kt_tls_free(struct kt_tls *tls);

#endif
