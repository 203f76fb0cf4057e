/* topdesk_text.c - the text of TOPdesk's wire for the `topdesk` adapter:
 * API URLs under the supplier's endpoint, percent-encoded query values,
 * plain text to and from TOPdesk's HTML subset (request and action texts),
 * and TOPdesk's dates as RFC 3339 UTC. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/civil_time.h"
#include "topdesk_int.h"

#define HTTPS "https://"

int kt_topdesk_request(struct kt_http_request *out, const char *method, struct kt_buf *b,
		       json_t *body, struct kt_err *err)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc = KT_OK;

	json_decref(body);
	if ((body && !text) || b->failed) {
		free(text);
		rc = kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
	} else if (kt_http_request_set(out, method, kt_buf_str(b), text, "application/json", err)) {
		rc = KT_ERR; /* out released, err filled */
	} else if (kt_http_request_add_header(out, "accept", "application/json") != 0) {
		kt_http_request_release(out);
		rc = kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
	}
	kt_buf_release(b);
	return rc;
}

int kt_topdesk_list(const struct kt_answer *a, const char *what, json_t **doc,
		    struct kt_err *err)
{
	*doc = NULL;
	if (a->http_status == 204)
		return KT_OK;
	if (a->http_status != 200 && a->http_status != 206)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "%s answered HTTP %ld, not 200 or 204", what, a->http_status);
	*doc = a->len > 0 ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	if (json_is_array(*doc))
		return KT_OK;
	json_decref(*doc);
	*doc = NULL;
	return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "%s answered no JSON list", what);
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

int kt_topdesk_time(const char *in, char *out)
{
	char utc[KT_TIME_UTC_LEN];
	long long secs;
	int ms = 0, scale = 100;

	/* kt_time_parse reads 19 bytes before it looks at any */
	if (!in || strnlen(in, 19) < 19 || kt_time_parse(in, &secs) != 0)
		return -1;
	if (in[19] == '.')
		for (const char *p = in + 20; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;
	kt_time_format_utc(secs, utc);
	/* "YYYY-MM-DDTHH:MM:SSZ" with the milliseconds before the Z */
	snprintf(out, KT_TOPDESK_TIME_SIZE, "%.19s.%03dZ", utc, ms);
	return 0;
}
