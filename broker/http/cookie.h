/* cookie.h - the keten_session cookie: finding it in a Cookie header and
 * the Set-Cookie values that set and clear it. Pure. Every way of signing
 * in (password, OpenID Connect) sets it with kt_cookie_session_set after
 * store/tx_session.h kt_store_session_open. */
#ifndef KETEN_HTTP_COOKIE_H
#define KETEN_HTTP_COOKIE_H

#include <stddef.h>

#define KT_SESSION_COOKIE "keten_session"

/* Room for a Set-Cookie value of ours and its NUL. */
#define KT_COOKIE_MAX 192

/* Copies the value of cookie name from a Cookie header ("a=1; b=2") into
 * out (outsz bytes) when it is there, non-empty, fits, and is a token's
 * characters (base64url and '_'): returns 1; else 0 (out ""). The first
 * such cookie counts. header may be NULL. */
int kt_cookie_find(const char *header, const char *name, char *out, size_t outsz);

/* The Set-Cookie value that sets the session cookie to token for
 * max_age_s seconds: HttpOnly; Secure; SameSite=Strict; Path=/. Into out
 * (KT_COOKIE_MAX bytes). */
void kt_cookie_session_set(const char *token, int max_age_s, char out[KT_COOKIE_MAX]);

/* The Set-Cookie value that removes the session cookie (Max-Age=0). */
void kt_cookie_session_clear(char out[KT_COOKIE_MAX]);

#endif
