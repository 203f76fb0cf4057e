/* tmf621_wire.c - the wire of the `tmf621` adapter: API URLs under the
 * supplier's endpoint and the mapping's base path, requests with their
 * content types, a seller's JSON answers, dates as RFC 3339 UTC, and
 * Keten's reference on a seller's ticket (v4 externalId, v5
 * externalIdentifier). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil_time.h"
#include "base/json_field.h"
#include "tmf621_int.h"

#define HTTPS "https://"

int kt_tmf_oom(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

int kt_tmf_url(struct kt_buf *b, const json_t *supplier, const char *path,
	       struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	const char *ep = json_string_value(json_object_get(supplier, "endpoint"));
	const char *base = json_string_value(json_object_get(mapping, "base_path"));
	const char *key = kt_tmf_text(supplier, "key", KT_TMF_TEXT_MAX);
	size_t n = ep ? strlen(ep) : 0, pre = strlen(HTTPS);
	int ok = n > pre && strncmp(ep, HTTPS, pre) == 0 && ep[pre] != '/';

	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)ep[i] > ' ' && ep[i] != 0x7f && ep[i] != '?' && ep[i] != '#';
	if (!ok)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "supplier \"%s\" has no absolute https endpoint",
				  key ? key : "");
	while (n > pre && ep[n - 1] == '/')
		n--;
	kt_buf_add(b, ep, n);
	if (base)
		kt_buf_adds(b, base);
	else
		kt_buf_addf(b, "/tmf-api/troubleTicket/v%d", kt_tmf_version(mapping));
	kt_buf_addf(b, "/%s", path);
	return b->failed ? kt_tmf_oom(err) : KT_OK;
}

int kt_tmf_request(struct kt_http_request *out, const char *method, struct kt_buf *b,
		   json_t *body, const char *content_type, struct kt_err *err)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc = KT_OK;

	json_decref(body);
	if ((body && !text) || b->failed) {
		free(text);
		rc = kt_tmf_oom(err);
	} else if (kt_http_request_set(out, method, kt_buf_str(b), text,
				       text ? content_type : NULL, err)) {
		rc = KT_ERR;
	} else if (kt_http_request_add_header(out, "accept", "application/json") != 0) {
		kt_http_request_release(out);
		rc = kt_tmf_oom(err);
	}
	kt_buf_release(b);
	return rc;
}

int kt_tmf_answer(const struct kt_answer *a, const char *what, int want_array, json_t **doc,
		  struct kt_err *err)
{
	*doc = NULL;
	if (a->http_status < 200 || a->http_status > 299)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "the seller answered %s with HTTP %ld, not 2xx", what,
				  a->http_status);
	*doc = a->len > 0 ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	if (want_array ? json_is_array(*doc) : json_is_object(*doc))
		return KT_OK;
	json_decref(*doc);
	*doc = NULL;
	return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "the seller's answer to %s is no "
			  "JSON %s", what, want_array ? "list" : "object");
}

int kt_tmf_time(const char *in, char *out)
{
	char utc[KT_TIME_UTC_LEN];
	long long secs;
	int ms = 0;

	if (!in || strnlen(in, 20) < 20 || kt_time_parse(in, &secs) != 0)
		return -1;
	if (in[19] == '.') {
		const char *p = in + 20;

		for (int digit = 0; digit < 3; digit++)
			ms = ms * 10 + (*p >= '0' && *p <= '9' ? *p++ - '0' : 0);
	}
	kt_time_format_utc(secs, utc);
	snprintf(out, KT_TMF_TIME_SIZE, "%.19s.%03dZ", utc, ms % 1000);
	return 0;
}

const char *kt_tmf_text(const json_t *obj, const char *key, size_t max)
{
	const json_t *v = json_object_get(obj, key);

	return kt_json_is_text(v, 1, max) ? json_string_value(v) : NULL;
}

const char *kt_tmf_leg_of(const json_t *mapping, const json_t *ticket)
{
	const char *owner = kt_tmf_owner(mapping);
	size_t i;
	json_t *x;

	if (kt_tmf_version(mapping) == 4)
		return kt_tmf_text(ticket, "externalId", KT_TMF_ID_MAX);
	json_array_foreach(json_object_get(ticket, "externalIdentifier"), i, x) {
		const char *o = json_string_value(json_object_get(x, "owner"));

		if (o && strcmp(o, owner) == 0)
			return kt_tmf_text(x, "id", KT_TMF_ID_MAX);
	}
	return NULL;
}
