/* topdesk_text.c - the text of TOPdesk's wire for the `topdesk` adapter:
 * API URLs under the supplier's endpoint, percent-encoded query values,
 * plain text to and from TOPdesk's HTML subset (request and action texts),
 * and TOPdesk's dates as RFC 3339 UTC. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "topdesk_int.h"

#define HTTPS "https://"

int kt_topdesk_request(struct kt_http_request *out, const char *method, struct kt_buf *b,
		       json_t *body, struct kt_err *err)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc = KT_ERR;

	json_decref(body);
	if ((body && !text) || b->failed)
		free(text);
	else if (kt_http_request_set(out, method, kt_buf_str(b), text, "application/json", err))
		goto out; /* released, err filled */
	else if (kt_http_request_add_header(out, "accept", "application/json") != 0)
		kt_http_request_release(out);
	else
		rc = KT_OK;
	if (rc != KT_OK)
		kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
out:
	kt_buf_release(b);
	return rc;
}

int kt_topdesk_url(struct kt_buf *b, const json_t *supplier, const char *path,
		   struct kt_err *err)
{
	const char *ep = json_string_value(json_object_get(supplier, "endpoint"));
	const char *key = json_string_value(json_object_get(supplier, "key"));
	size_t n = ep ? strlen(ep) : 0, plen = strlen(HTTPS);
	int ok = ep && n > plen && strncmp(ep, HTTPS, plen) == 0 && ep[plen] != '/';

	for (size_t i = 0; ok && i < n; i++)
		if ((unsigned char)ep[i] <= ' ' || ep[i] == 0x7f)
			ok = 0;
	if (!ok)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "supplier \"%s\" has no absolute https endpoint", key ? key : "");
	while (n > plen && ep[n - 1] == '/')
		n--;
	kt_buf_add(b, ep, n);
	kt_buf_adds(b, "/tas/api/");
	kt_buf_adds(b, path);
	return b->failed ? kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory") : KT_OK;
}

int kt_topdesk_pct(struct kt_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			kt_buf_add(b, p, 1);
		else
			kt_buf_add(b, enc, 3);
	}
	return b->failed ? KT_ERR : KT_OK;
}

int kt_topdesk_html(struct kt_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': kt_buf_adds(b, "&amp;"); break;
		case '<': kt_buf_adds(b, "&lt;"); break;
		case '>': kt_buf_adds(b, "&gt;"); break;
		case '"': kt_buf_adds(b, "&quot;"); break;
		case '\r':
			/* CR LF is one line break, a lone CR one too */
			if (i + 1 >= len || s[i + 1] != '\n')
				kt_buf_adds(b, "<br>");
			break;
		case '\n': kt_buf_adds(b, "<br>"); break;
		default: kt_buf_add(b, &s[i], 1);
		}
	}
	return b->failed ? KT_ERR : KT_OK;
}

/* Appends code point cp as UTF-8 (nothing for a surrogate or beyond). */
static void add_code_point(struct kt_buf *b, unsigned long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	kt_buf_add(b, u, n);
}

/* The entity at s ("&...;"): appended decoded, and its length returned;
 * 0 when s starts no entity this reader knows (the '&' stays as it is). */
static size_t entity(struct kt_buf *b, const char *s)
{
	static const struct { const char *name, *text; } named[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
		{ "&apos;", "'" }, { "&nbsp;", " " },
	};
	const char *semi = strchr(s, ';');
	unsigned long cp;
	char *end;

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strncmp(s, named[i].name, strlen(named[i].name)) == 0) {
			kt_buf_adds(b, named[i].text);
			return strlen(named[i].name);
		}
	if (s[1] != '#' || !semi || semi - s > 10)
		return 0;
	cp = (s[2] == 'x' || s[2] == 'X') ? strtoul(s + 3, &end, 16) : strtoul(s + 2, &end, 10);
	if (end != semi || end == s + 2 || end == s + 3)
		return 0;
	add_code_point(b, cp);
	return (size_t)(semi - s) + 1;
}

/* 1 when the tag at s (after '<') ends a line: br, /p, /div. */
static int tag_breaks(const char *s)
{
	static const char *const names[] = { "br", "/p", "/div" };

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(names[i]);

		if (strncasecmp(s, names[i], n) == 0 && strchr(" />", s[n]))
			return 1;
	}
	return 0;
}

char *kt_topdesk_text(const char *html)
{
	struct kt_buf b;

	kt_buf_init(&b, strlen(html) + 1);
	kt_buf_add(&b, "", 0); /* "" rather than NULL for an empty text */
	for (const char *p = html; *p;) {
		const char *close;
		size_t n;

		if (*p == '<' && (close = strchr(p, '>'))) {
			if (tag_breaks(p + 1))
				kt_buf_adds(&b, "\n");
			p = close + 1;
		} else if (*p == '&' && (n = entity(&b, p)) > 0) {
			p += n;
		} else {
			kt_buf_add(&b, p++, 1);
		}
	}
	while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		b.data[--b.len] = '\0';
	return kt_buf_detach(&b);
}

static int digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The zone at s: "Z", "+HH:MM", "+HHMM" (or '-'), then the end; its
 * offset east of UTC in minutes. 0, or -1. */
static int zone(const char *s, int *minutes)
{
	int h, m, sign = *s == '-' ? -1 : 1;

	*minutes = 0;
	if (s[0] == 'Z' && s[1] == '\0')
		return 0;
	if ((*s != '+' && *s != '-') || digits(s + 1, 2, &h) != 0)
		return -1;
	s += 3;
	if (*s == ':')
		s++;
	if (digits(s, 2, &m) != 0 || s[2] != '\0' || h > 23 || m > 59)
		return -1;
	*minutes = sign * (h * 60 + m);
	return 0;
}

int kt_topdesk_time(const char *in, char *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, s, ms = 0, off, scale = 100;
	long long secs;
	const char *p;

	if (!in || strlen(in) < 20 || in[4] != '-' || in[7] != '-' || in[10] != 'T' ||
	    in[13] != ':' || in[16] != ':' || digits(in, 4, &y) || digits(in + 5, 2, &mo) ||
	    digits(in + 8, 2, &d) || digits(in + 11, 2, &h) || digits(in + 14, 2, &mi) ||
	    digits(in + 17, 2, &s))
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    s > 59 || (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))))
		return -1;
	p = in + 19;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;
	}
	if (zone(p, &off) != 0)
		return -1;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off * 60LL;
	civil_from_days(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400, &y, &mo, &d);
	secs = ((secs % 86400) + 86400) % 86400;
	if (y < 1 || y > 9999)
		return -1;
	snprintf(out, KT_TOPDESK_TIME_SIZE, "%04d-%02d-%02dT%02lld:%02lld:%02lld.%03dZ", y, mo, d,
		 secs / 3600, secs / 60 % 60, secs % 60, ms);
	return 0;
}
