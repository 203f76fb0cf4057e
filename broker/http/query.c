/* query.c - the query string reader of http/query.h, on libevent's
 * decoder, with the checks it does not make (a %00, bytes that are not
 * UTF-8). */
#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "http/query.h"

/* Whether a raw value names a NUL byte (%00), which decoding would turn
 * into a shorter value than was sent. */
static int has_nul(const char *q)
{
	for (const char *p = strchr(q, '%'); p; p = strchr(p + 1, '%'))
		if (p[1] == '0' && p[2] == '0')
			return 1;
	return 0;
}

static int is_utf8(const char *s)
{
	size_t n = strlen(s), step;

	for (size_t i = 0; i < n; i += step)
		if ((step = kt_utf8_char((const unsigned char *)s + i, n - i)) == 0)
			return 0;
	return 1;
}

int kt_query_parse(const char *q, struct kt_query *out)
{
	static const char *const names[] = { "limit", "cursor", "state", "supplier", "version",
					     "from", "to", "format", "q", "status", "type", "service",
					     "code", "next", "error" };
	char **slots[] = { &out->limit, &out->cursor, &out->state, &out->supplier, &out->version,
			   &out->from, &out->to, &out->format, &out->q, &out->status, &out->type,
			   &out->service, &out->code, &out->next, &out->error };
	struct evkeyvalq params;
	struct evkeyval *kv;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (has_nul(q) || evhttp_parse_query_str(q, &params) != 0)
		return -1;
	TAILQ_FOREACH(kv, &params, next)
		if (!is_utf8(kv->key) || !is_utf8(kv->value))
			rc = -1;
	for (size_t i = 0; rc == 0 && i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = evhttp_find_header(&params, names[i]);

		if (v && !(*slots[i] = strdup(v)))
			rc = -1;
	}
	evhttp_clear_headers(&params);
	if (rc != 0)
		kt_query_release(out);
	return rc;
}

void kt_query_release(struct kt_query *out)
{
	free(out->limit);
	free(out->cursor);
	free(out->state);
	free(out->supplier);
	free(out->version);
	free(out->from);
	free(out->to);
	free(out->format);
	free(out->q);
	free(out->status);
	free(out->type);
	free(out->service);
	free(out->code);
	free(out->next);
	free(out->error);
	memset(out, 0, sizeof(*out));
}
