/* list_filter.c - checks the filters of GET /v1/tickets and turns the
 * status and type lists into the text arrays the store's list reads
 * (see intake/list_filter.h). */
#include <stdio.h>
#include <string.h>

#include "base/json_field.h"
#include "intake/list_filter.h"

typedef int (*name_parse_fn)(const char *name, int *out);

static int status_known(const char *name, int *out)
{
	enum kt_status s;
	int rc = kt_status_parse(name, &s);

	*out = (int)s;
	return rc;
}

static int type_known(const char *name, int *out)
{
	enum kt_ticket_type t;
	int rc = kt_ticket_type_parse(name, &t);

	*out = (int)t;
	return rc;
}

/* "a,b" -> "{a,b}" in out when every name is one parse knows; KT_ERR
 * otherwise. Names are from a fixed set, so the literal needs no quoting. */
static int name_list(const char *list, name_parse_fn parse, char *out, size_t size)
{
	size_t n = 1, len = strlen(list);
	const char *p = list;
	char name[32];
	int v;

	if (len == 0 || len + 3 > size)
		return KT_ERR;
	out[0] = '{';
	while (*p) {
		size_t w = strcspn(p, ",");

		if (w == 0 || w >= sizeof(name))
			return KT_ERR;
		memcpy(name, p, w);
		name[w] = '\0';
		if (parse(name, &v) != 0)
			return KT_ERR;
		n += (size_t)snprintf(out + n, size - n, "%s%s", n > 1 ? "," : "", name);
		p += w;
		if (*p == ',' && *++p == '\0')
			return KT_ERR;
	}
	snprintf(out + n, size - n, "}");
	return KT_OK;
}

/* A service id, or a key as the chain allows one (lower-case letters,
 * digits and '-', at most 63). */
static int service_ok(const char *s)
{
	size_t n = strlen(s);

	return kt_is_uuid(s) ||
	       (n > 0 && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
}

static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int kt_list_filter_read(const struct kt_list_query *in, struct kt_list_filter *out,
			struct kt_err *err)
{
	memset(out, 0, sizeof(*out));
	if (in->status && name_list(in->status, status_known, out->statuses,
				    sizeof(out->statuses)))
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_status",
				  "status must be one or more of new, assigned, in_progress, "
				  "pending_customer, pending_supplier, resolved, closed, "
				  "cancelled, joined by commas");
	if (in->type && name_list(in->type, type_known, out->types, sizeof(out->types)))
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_type",
				  "type must be one or more of incident, request, change, "
				  "problem, joined by commas");
	if (in->service && !service_ok(in->service))
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_service",
				  "service must be a service id or key");
	if (in->q && (in->q[0] == '\0' || chars(in->q) > KT_LIST_Q_MAX))
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_q",
				  "q must be 1 to %d characters", KT_LIST_Q_MAX);
	out->f.statuses = in->status ? out->statuses : NULL;
	out->f.types = in->type ? out->types : NULL;
	out->f.service = in->service;
	out->f.q = in->q;
	return KT_OK;
}
