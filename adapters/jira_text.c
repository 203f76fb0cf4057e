/* jira_text.c - the text of Jira's wire for the `jira` adapter: Atlassian
 * Document Format built from our plain text (JSON text nodes, so no
 * character is ever read as markup) and read back as plain text, the
 * escaped plain text of a JSM comment, URLs under the supplier's
 * endpoint, JQL string literals and Jira's times as RFC 3339 UTC. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil_time.h"
#include "base/url.h"
#include "base/utf8.h"
#include "jira_int.h"

/* --- ADF out --- */

/* Appends a text node of the len bytes at s to para's content (nothing
 * for an empty run). -1 out of memory. */
static int add_text(json_t *content, const char *s, size_t len)
{
	json_t *node;

	if (len == 0)
		return 0;
	node = json_pack("{s:s, s:s%}", "type", "text", "text", s, len);
	return node && json_array_append_new(content, node) == 0 ? 0 : -1;
}

/* A new paragraph node with an empty content array, appended to doc's. */
static json_t *new_paragraph(json_t *doc)
{
	json_t *p = json_pack("{s:s, s:[]}", "type", "paragraph", "content");

	if (!p || json_array_append_new(json_object_get(doc, "content"), p) != 0)
		return NULL;
	return json_object_get(p, "content");
}

/* The line s[at..end) as one text node into content, control characters
 * other than tab dropped. -1 out of memory. */
static int add_line(json_t *content, const char *s, size_t at, size_t end)
{
	struct kt_buf run;
	int rc;

	kt_buf_init(&run, KT_JIRA_TEXT_MAX);
	for (; at < end; at++)
		if ((unsigned char)s[at] >= 0x20 || s[at] == '\t')
			kt_buf_add(&run, &s[at], 1);
	rc = run.failed ? -1 : add_text(content, kt_buf_str(&run), run.len);
	kt_buf_release(&run);
	return rc;
}

json_t *kt_jira_adf(const char *s, const char *marker)
{
	json_t *doc = json_pack("{s:s, s:i, s:[]}", "type", "doc", "version", 1, "content");
	json_t *para = NULL;
	size_t len = s ? strlen(s) : 0, at = 0;
	int rc = doc ? 0 : -1;

	while (rc == 0 && at < len) {
		size_t end = at + strcspn(s + at, "\r\n"), next = end;

		/* \r\n, \r or \n ends the line */
		if (next < len)
			next += (s[next] == '\r' && s[next + 1] == '\n') ? 2 : 1;
		if (end == at) {
			para = NULL; /* a blank line ends the paragraph */
		} else {
			if (para)
				rc = json_array_append_new(para, json_pack("{s:s}", "type", "hardBreak"));
			else if (!(para = new_paragraph(doc)))
				rc = -1;
			if (rc == 0)
				rc = add_line(para, s, at, end);
		}
		at = next;
	}
	if (rc == 0 && (marker || json_array_size(json_object_get(doc, "content")) == 0)) {
		json_t *last = new_paragraph(doc);
		char m[300];

		snprintf(m, sizeof(m), "[%s]", marker ? marker : "");
		rc = !last ? -1 : marker ? add_text(last, m, strlen(m)) : 0;
	}
	if (rc != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* --- ADF in --- */

static void text_of_node(struct kt_buf *b, const json_t *node, int depth);

static void text_of_content(struct kt_buf *b, const json_t *content, int depth)
{
	size_t i;
	json_t *n;

	json_array_foreach(content, i, n)
		text_of_node(b, n, depth + 1);
}

/* Blocks end with a blank line; the last one's is cut by the caller. */
static void text_of_node(struct kt_buf *b, const json_t *node, int depth)
{
	const char *type = json_string_value(json_object_get(node, "type"));
	const char *text = json_string_value(json_object_get(node, "text"));

	if (!type || depth > 32)
		return;
	if (strcmp(type, "text") == 0 && text)
		kt_buf_adds(b, text);
	else if (strcmp(type, "hardBreak") == 0)
		kt_buf_adds(b, "\n");
	else if ((strcmp(type, "mention") == 0 || strcmp(type, "emoji") == 0) &&
		 (text = json_string_value(json_object_get(json_object_get(node, "attrs"), "text"))))
		kt_buf_adds(b, text);
	else
		text_of_content(b, json_object_get(node, "content"), depth);
	if (strcmp(type, "paragraph") == 0 || strcmp(type, "heading") == 0 ||
	    strcmp(type, "codeBlock") == 0 || strcmp(type, "listItem") == 0 ||
	    strcmp(type, "blockquote") == 0)
		kt_buf_adds(b, "\n\n");
}

char *kt_jira_adf_text(const json_t *doc, size_t max)
{
	struct kt_buf b;

	kt_buf_init(&b, max);
	kt_buf_add(&b, "", 0);
	if (json_is_string(doc))
		kt_buf_adds(&b, json_string_value(doc));
	else
		text_of_node(&b, doc, 0);
	if (b.failed) {
		kt_buf_release(&b);
		return NULL;
	}
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return kt_buf_detach(&b);
}

void kt_jira_wiki_escape(struct kt_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("!#()*+-:?[\\]^_`{|}~", *s))
			kt_buf_add(b, "\\", 1);
		kt_buf_add(b, s, 1);
	}
}

/* --- URLs, requests, JQL, times --- */

int kt_jira_url(struct kt_buf *b, const json_t *supplier, const char *path,
		struct kt_err *err)
{
	const char *ep = json_string_value(json_object_get(supplier, "endpoint"));
	size_t n = ep ? strlen(ep) : 0;

	kt_buf_init(b, KT_JIRA_URL_MAX);
	if (!ep || n <= 8 || strncmp(ep, "https://", 8) != 0 || ep[8] == '/' ||
	    strpbrk(ep, " \t\r\n?#"))
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "the supplier has no absolute https endpoint");
	while (n > 8 && ep[n - 1] == '/')
		n--;
	kt_buf_add(b, ep, n);
	kt_buf_adds(b, path);
	return KT_OK;
}

int kt_jira_request(struct kt_http_request *out, const char *method, struct kt_buf *b,
		    json_t *body, struct kt_err *err)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc = KT_OK;

	json_decref(body);
	if (b->failed)
		rc = kt_err_set(err, KT_EC_INVALID, "adapter_build", "the request URL is too long");
	else if (body && !text)
		rc = kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
	else if (kt_http_request_set(out, method, kt_buf_str(b), text, "application/json", err))
		text = NULL, rc = KT_ERR; /* out released with text */
	else if (text = NULL, kt_http_request_add_header(out, "accept", "application/json") != 0)
		rc = kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
	if (rc != KT_OK)
		kt_http_request_release(out);
	free(text);
	kt_buf_release(b);
	return rc;
}

int kt_jira_search(struct kt_http_request *out, const json_t *supplier, struct kt_buf *jql,
		   const char *fields, const char *extra, struct kt_err *err)
{
	const char *ref = kt_jira_ref_field(json_object_get(supplier, "mapping"));
	struct kt_buf url;

	if (kt_jira_url(&url, supplier, "/rest/api/3/search/jql?jql=", err)) {
		kt_buf_release(jql);
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, kt_buf_str(jql));
	if (jql->failed)
		url.failed = 1;
	kt_buf_release(jql);
	kt_buf_adds(&url, "&fields=");
	kt_url_pcts(&url, fields);
	kt_url_pcts(&url, ref ? ref : "labels");
	kt_buf_adds(&url, extra);
	return kt_jira_request(out, "GET", &url, NULL, err);
}

int kt_jira_search_page(struct kt_http_request *out, const json_t *supplier, struct kt_buf *jql,
			const char *fields, const char *page, struct kt_err *err)
{
	struct kt_buf extra;
	int rc;

	if (page && (strlen(page) > KT_JIRA_TOKEN_MAX || !*page)) {
		kt_buf_release(jql);
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "not a jira page token");
	}
	kt_buf_init(&extra, KT_JIRA_TOKEN_MAX * 3 + 40);
	kt_buf_addf(&extra, "&maxResults=%ld", kt_jira_page_size(supplier));
	if (page) {
		kt_buf_adds(&extra, "&nextPageToken=");
		kt_url_pcts(&extra, page);
	}
	rc = kt_jira_search(out, supplier, jql, fields, kt_buf_str(&extra), err);
	kt_buf_release(&extra);
	return rc;
}

void kt_jira_jql_string(struct kt_buf *b, const char *s)
{
	kt_buf_add(b, "\"", 1);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			kt_buf_add(b, "\\", 1);
		kt_buf_add(b, s, 1);
	}
	kt_buf_add(b, "\"", 1);
}

int kt_jira_time(const char *in, char *out)
{
	char utc[KT_TIME_UTC_LEN];
	long long secs;
	int ms = 0;

	if (!in || strnlen(in, 19) < 19 || in[10] != 'T' || kt_time_parse(in, &secs) != 0)
		return -1;
	if (in[19] == '.') {
		int digits = 0;

		for (const char *p = in + 20; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	kt_time_format_utc(secs, utc);
	snprintf(out, KT_JIRA_TIME_SIZE, "%.19s.%03dZ", utc, ms % 1000);
	return 0;
}

json_t *kt_jira_answer_object(const struct kt_answer *a, const char *what, struct kt_err *err)
{
	json_t *doc;

	if (a->http_status < 200 || a->http_status > 299) {
		kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "jira answered %s with HTTP %ld",
			   what, a->http_status);
		return NULL;
	}
	doc = a->len > 0 ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	if (!json_is_object(doc)) {
		json_decref(doc);
		kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
			   "jira's answer to %s is not a JSON object", what);
		return NULL;
	}
	return doc;
}
