/* rt_url.c - the small tools of the `rt` adapter: the REST2 base URL of a
 * supplier, percent-encoding of query values, RT's time format, reading
 * RT's JSON answers and ids, and its error classes. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/url.h"
#include "rt_int.h"

#define HTTPS_PREFIX "https://"
#define REST_PATH "/REST/2.0"

int rt_err_oom(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

char *rt_rest_base(const json_t *supplier, struct kt_err *err)
{
	const char *ep = json_string_value(json_object_get(supplier, "endpoint"));
	size_t plen = strlen(HTTPS_PREFIX), len;
	char *out;

	if (!ep || strncmp(ep, HTTPS_PREFIX, plen) != 0 || ep[plen] == '\0' || ep[plen] == '/' ||
	    strpbrk(ep, "?#")) {
		rt_err_build(err, "the RT endpoint must be an absolute https URL without query");
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)ep; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			rt_err_build(err, "the RT endpoint has a blank or control character");
			return NULL;
		}
	len = strlen(ep);
	while (len > plen && ep[len - 1] == '/')
		len--;
	out = malloc(len + sizeof(REST_PATH));
	if (!out) {
		rt_err_oom(err);
		return NULL;
	}
	memcpy(out, ep, len);
	memcpy(out + len, REST_PATH, sizeof(REST_PATH));
	return out;
}

static int append_n(char **buf, size_t *len, const char *s, size_t n)
{
	char *grown = realloc(*buf, *len + n + 1);

	if (!grown)
		return -1;
	memcpy(grown + *len, s, n);
	*len += n;
	grown[*len] = '\0';
	*buf = grown;
	return 0;
}

int rt_url_append(char **buf, size_t *len, const char *s)
{
	return append_n(buf, len, s, strlen(s));
}

int rt_url_append_encoded(char **buf, size_t *len, const char *s)
{
	struct kt_buf enc;
	int rc;

	kt_buf_init(&enc, 3 * strlen(s));
	rc = kt_url_pcts(&enc, s) == KT_OK ? append_n(buf, len, kt_buf_str(&enc), enc.len) : -1;
	kt_buf_release(&enc);
	return rc;
}

int rt_get(struct kt_http_request *out, const char *base, const char *path, const char *query,
	   const char *rest, struct kt_err *err)
{
	char *url = NULL;
	size_t len = 0;
	int rc;

	if (rt_url_append(&url, &len, base) || rt_url_append(&url, &len, path) ||
	    rt_url_append(&url, &len, "?query=") || rt_url_append_encoded(&url, &len, query) ||
	    rt_url_append(&url, &len, rest)) {
		free(url);
		return rt_err_oom(err);
	}
	rc = kt_http_request_set(out, "GET", url, NULL, NULL, err);
	free(url);
	return rc;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int rt_sql_time(const char *t, char out[20])
{
	const char *z;

	if (!t || strlen(t) < 20 || !digits(t, 4) || t[4] != '-' || !digits(t + 5, 2) ||
	    t[7] != '-' || !digits(t + 8, 2) || (t[10] != 'T' && t[10] != 't') ||
	    !digits(t + 11, 2) || t[13] != ':' || !digits(t + 14, 2) || t[16] != ':' ||
	    !digits(t + 17, 2))
		return -1;
	z = t + 19;
	if (*z == '.') {
		z++;
		if (!digits(z, 1))
			return -1;
		while (digits(z, 1))
			z++;
	}
	if (strcmp(z, "Z") != 0 && strcmp(z, "z") != 0 && strcmp(z, "+00:00") != 0)
		return -1;
	memcpy(out, t, 19);
	out[10] = ' ';
	out[19] = '\0';
	return 0;
}

json_t *rt_answer_json(const struct kt_answer *a, struct kt_err *err)
{
	json_t *doc;

	if (a->http_status < 200 || a->http_status > 299) {
		rt_err_reply(err, "RT answered HTTP %ld, not 2xx", a->http_status);
		return NULL;
	}
	doc = a->body && a->len ? json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!doc)
		rt_err_reply(err, "RT's answer (HTTP %ld) is not JSON", a->http_status);
	return doc;
}

char *rt_id_of(const json_t *v)
{
	char buf[32];
	const char *s = json_string_value(v);

	if (json_is_integer(v) && json_integer_value(v) > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	}
	if (!s || !*s || strlen(s) > RT_ID_MAX || !digits(s, strlen(s)))
		return NULL;
	return strdup(s);
}
