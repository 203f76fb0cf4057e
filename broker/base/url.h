/* url.h - percent-encoding of a URL's query value or path segment, and of
 * a form field (RFC 3986: every byte but the unreserved ALPHA, DIGIT, "-",
 * ".", "_" and "~" as %XX), the one encoder the adapters and the auth
 * modules use. */
#ifndef KETEN_BASE_URL_H
#define KETEN_BASE_URL_H

#include "base/buf.h"

/* Appends the n bytes at s to b percent-encoded. KT_OK, or KT_ERR when b
 * failed (as kt_buf_add: check once at the end). */
int kt_url_pct(struct kt_buf *b, const char *s, size_t n);

/* kt_url_pct of the string s. */
int kt_url_pcts(struct kt_buf *b, const char *s);

#endif
