/* cookie.c - reading the session cookie and writing its Set-Cookie values
 * (see http/cookie.h). */
#include <stdio.h>
#include <string.h>

#include "http/cookie.h"

static int token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int kt_cookie_find(const char *header, const char *name, char *out, size_t outsz)
{
	size_t nlen = strlen(name);
	const char *p = header;

	out[0] = '\0';
	while (p && *p) {
		size_t vlen = 0;

		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1, *end;

			while (token_char(v[vlen]))
				vlen++;
			for (end = v + vlen; *end == ' '; end++)
				;
			if (vlen > 0 && vlen < outsz && (*end == '\0' || *end == ';')) {
				memcpy(out, v, vlen);
				out[vlen] = '\0';
				return 1;
			}
		}
		p = strchr(p, ';');
	}
	return 0;
}

void kt_cookie_session_set(const char *token, int max_age_s, char out[KT_COOKIE_MAX])
{
	snprintf(out, KT_COOKIE_MAX,
		 KT_SESSION_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; Secure; SameSite=Strict",
		 token, max_age_s);
}

void kt_cookie_session_clear(char out[KT_COOKIE_MAX])
{
	snprintf(out, KT_COOKIE_MAX,
		 KT_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
}
