/* url.c - the percent-encoder of base/url.h. */
#include <string.h>

#include "base/url.h"
#include "keten/err.h"

int kt_url_pct(struct kt_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char enc[3] = { '%', hex[c >> 4], hex[c & 15] };

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			kt_buf_add(b, &c, 1);
		else
			kt_buf_add(b, enc, 3);
	}
	return b->failed ? KT_ERR : KT_OK;
}

int kt_url_pcts(struct kt_buf *b, const char *s)
{
	return kt_url_pct(b, s, strlen(s));
}
