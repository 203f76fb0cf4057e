/* reqstream.c - the framing of a request stream, byte by byte, as evhttp
 * 2.1.12 reads it (http.c: evbuffer_readln with EVBUFFER_EOL_CRLF,
 * evhttp_parse_headers_, evhttp_get_body, evhttp_handle_chunked_read), and
 * the few headers of a head that decide whether and how long a body is. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/reqstream.h"

static void line_reset(struct kt_reqstream *s)
{
	s->line_len = 0;
	s->last = 0;
}

/* A line is empty when it holds nothing or a lone CR (EOL_CRLF). */
static int line_empty(const struct kt_reqstream *s)
{
	return s->line_len == 0 || (s->line_len == 1 && s->last == '\r');
}

/* evhttp_handle_chunked_read: strtoll base 16, ending at the end or at a
 * space, not negative. -1 when it cannot be read. */
static long long chunk_size(struct kt_reqstream *s)
{
	size_t len = s->line_len;
	char *end;
	long long v;

	if (len > 0 && s->line[len - 1] == '\r')
		len--;
	s->line[len] = '\0';
	v = strtoll(s->line, &end, 16);
	if (s->line[0] == '\0' || (*end != '\0' && *end != ' ') || v < 0)
		return -1;
	return v;
}

/* A line ended in a line state. Returns the event it makes. */
static enum kt_rs_event line_end(struct kt_reqstream *s)
{
	int empty = line_empty(s);
	long long v;

	switch (s->state) {
	case KT_RS_HEAD:
		s->lines++;
		line_reset(s);
		/* An empty first line ends the head too: evhttp refuses it. */
		return empty ? KT_RS_HEAD_DONE : KT_RS_MORE;
	case KT_RS_CHUNK_SIZE:
		if (empty)
			break;  /* the line end after a chunk's data */
		if ((v = chunk_size(s)) < 0)
			return KT_RS_BAD;
		s->left = v;
		s->state = v == 0 ? KT_RS_TRAILER : KT_RS_CHUNK_DATA;
		s->head_len = 0;
		break;
	case KT_RS_TRAILER:
		if (empty) {
			s->state = KT_RS_HEAD;
			s->head_len = 0;
			s->lines = 0;
		}
		break;
	default:
		break;
	}
	line_reset(s);
	return KT_RS_MORE;
}

size_t kt_reqstream_take(struct kt_reqstream *s, const char *data, size_t n,
			 enum kt_rs_event *ev)
{
	size_t i = 0;

	*ev = KT_RS_MORE;
	while (i < n) {
		unsigned char c;

		if (s->state == KT_RS_BODY || s->state == KT_RS_CHUNK_DATA) {
			size_t k = n - i;

			if ((long long)k > s->left)
				k = (size_t)s->left;
			i += k;
			s->left -= (long long)k;
			if (s->left == 0) {
				s->state = s->state == KT_RS_BODY ? KT_RS_HEAD : KT_RS_CHUNK_SIZE;
				s->head_len = 0;
				s->lines = 0;
				line_reset(s);
			}
			continue;
		}
		c = (unsigned char)data[i++];
		/* Head and trailer bytes count against the head's bound. */
		if (s->state != KT_RS_CHUNK_SIZE && ++s->head_len > KT_RS_HEAD_MAX) {
			*ev = KT_RS_BAD;
			return i;
		}
		if (c == '\n') {
			*ev = line_end(s);
			if (*ev != KT_RS_MORE)
				return i;
			continue;
		}
		if (s->state == KT_RS_CHUNK_SIZE) {
			if (s->line_len + 1 >= sizeof(s->line)) {
				*ev = KT_RS_BAD;
				return i;
			}
			s->line[s->line_len] = (char)c;
		}
		s->line_len++;
		s->last = c;
	}
	return i;
}

void kt_reqstream_begin_body(struct kt_reqstream *s, const struct kt_reqhead *h)
{
	line_reset(s);
	s->head_len = 0;
	s->lines = 0;
	s->state = KT_RS_HEAD;
	if (!h || !h->has_body)
		return;
	if (h->chunked) {
		s->state = KT_RS_CHUNK_SIZE;
	} else {
		s->state = KT_RS_BODY;
		s->left = h->content_length;
	}
}

/* One header as evhttp keeps it: the key as sent, the value trimmed. */
struct hdr {
	const char *key;
	char *value;
};

struct heads {
	struct hdr *h;
	size_t n, cap;
};

static void heads_release(struct heads *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		free(hs->h[i].value);
	free(hs->h);
}

/* evutil_rtrim_lws_: spaces, tabs, CR and LF off the end. */
static void rtrim_lws(char *s)
{
	size_t len = strlen(s);

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
			   s[len - 1] == '\r' || s[len - 1] == '\n'))
		s[--len] = '\0';
}

/* evhttp_header_is_valid_value: a CR only before a space or tab. */
static int value_ok(const char *v)
{
	const char *p = v;

	while ((p = strpbrk(p, "\r\n")) != NULL) {
		p += strspn(p, "\r\n");
		if (*p != ' ' && *p != '\t')
			return 0;
	}
	return 1;
}

/* evhttp_parse_headers_ for one line (without its line end). */
static int header_line(struct heads *hs, char *line)
{
	char *colon;

	if (*line == ' ' || *line == '\t') {
		struct hdr *last;
		char *nv;
		size_t old;

		if (hs->n == 0)
			return -1;
		last = &hs->h[hs->n - 1];
		while (*line == ' ' || *line == '\t')
			line++;
		rtrim_lws(line);
		old = strlen(last->value);
		if (!(nv = realloc(last->value, old + strlen(line) + 2)))
			return -1;
		nv[old] = ' ';
		memcpy(nv + old + 1, line, strlen(line) + 1);
		last->value = nv;
		return 0;
	}
	if (!(colon = strchr(line, ':')))
		return -1;
	*colon = '\0';
	colon++;
	colon += strspn(colon, " ");
	rtrim_lws(colon);
	if (strchr(line, '\r') || !value_ok(colon))
		return -1;
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? hs->cap * 2 : 16;
		struct hdr *nh = realloc(hs->h, cap * sizeof(*nh));

		if (!nh)
			return -1;
		hs->h = nh;
		hs->cap = cap;
	}
	if (!(hs->h[hs->n].value = strdup(colon)))
		return -1;
	hs->h[hs->n].key = line;
	hs->n++;
	return 0;
}

static const char *find(const struct heads *hs, const char *key)
{
	for (size_t i = 0; i < hs->n; i++)
		if (strcasecmp(hs->h[i].key, key) == 0)
			return hs->h[i].value;
	return NULL;
}

/* evhttp_parse_request_line, as far as the body depends on it: the
 * method, the path, a version evhttp takes. */
static int request_line(char *line, struct kt_reqhead *out)
{
	size_t len = strlen(line);
	char *uri, *version, *q;
	int major, minor;
	char ch;

	while (len > 0 && line[len - 1] == ' ')
		line[--len] = '\0';
	if (len < strlen("GET / HTTP/1.0") || !(uri = strchr(line, ' ')))
		return -1;
	*uri++ = '\0';
	version = strrchr(uri, ' ');
	if (!version || version == uri)
		return -1;
	*version++ = '\0';
	if (sscanf(version, "HTTP/%d.%d%c", &major, &minor, &ch) != 2 || major > 1)
		return -1;
	snprintf(out->method, sizeof(out->method), "%s", strlen(line) < sizeof(out->method) ? line : "");
	if (uri[0] == '/' && (q = uri + strcspn(uri, "?#")) - uri < KT_RS_PATH_MAX) {
		memcpy(out->path, uri, (size_t)(q - uri));
		out->path[q - uri] = '\0';
	}
	return 0;
}

/* evhttp_method_may_have_body: every method evhttp knows but HEAD and
 * TRACE; an unknown one has none. */
static int may_have_body(const char *m)
{
	static const char *const with[] = { "POST", "PUT", "PATCH", "GET", "DELETE",
					    "OPTIONS", "CONNECT" };

	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		if (strcmp(m, with[i]) == 0)
			return 1;
	return 0;
}

/* evhttp_get_body and evhttp_get_body_length. */
static int body_of(const struct heads *hs, struct kt_reqhead *out)
{
	const char *te = find(hs, "Transfer-Encoding");
	const char *cl = find(hs, "Content-Length");
	char *end;

	if (!may_have_body(out->method))
		return 0;
	if (te && strcasecmp(te, "chunked") == 0) {
		out->chunked = 1;
		out->has_body = 1;
		return 0;
	}
	if (!cl)
		return 0;
	out->content_length = strtoll(cl, &end, 10);
	if (*cl == '\0' || *end != '\0' || out->content_length < 0)
		return -1;
	out->has_body = out->content_length > 0;
	return 0;
}

int kt_reqhead_parse(const char *head, size_t len, struct kt_reqhead *out)
{
	struct heads hs = { 0 };
	char *copy = malloc(len + 1), *p, *nl;
	const char *auth;
	int rc = -1, first = 1;

	memset(out, 0, sizeof(*out));
	out->content_length = -1;
	if (!copy)
		return -1;
	memcpy(copy, head, len);
	copy[len] = '\0';
	for (p = copy; (nl = memchr(p, '\n', (size_t)(copy + len - p))) != NULL; p = nl + 1) {
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (first) {
			if (request_line(p, out) != 0)
				goto done;
			first = 0;
		} else if (*p == '\0') {
			break;
		} else if (header_line(&hs, p) != 0) {
			goto done;
		}
	}
	if (first || body_of(&hs, out) != 0)
		goto done;
	if ((auth = find(&hs, "Authorization")) && strlen(auth) < sizeof(out->authorization))
		memcpy(out->authorization, auth, strlen(auth) + 1);
	if ((auth = find(&hs, "Cookie")) && strlen(auth) < sizeof(out->cookie))
		memcpy(out->cookie, auth, strlen(auth) + 1);
	rc = 0;
done:
	if (rc != 0)
		out->has_body = 0;
	heads_release(&hs);
	free(copy);
	return rc;
}
