/* rt_messages.c - the second phase of a page of RT's "transactions" feed:
 * the text of the replies (Correspond) and comments (Comment) the listing
 * page named. REST2 (5.0.3) lists a transaction's type, ticket and time
 * but not its text, which is on its attachments, which name neither type
 * nor ticket. So the listing page's token carries them:
 *   "m:<listing's next page, empty at its end>:<txn>,<ticket>,<C|c>,<created>;..."
 * (C: Correspond, public; c: Comment, internal), and this page asks RT's
 * attachment search (its JSON form, TransactionId IN [...]) for their
 * text/plain parts in one request. Each message becomes a comment update
 * of the ticket, in the journal's way (comment_unordered). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "rt_int.h"

#define FEED "transactions"
#define PREFIX "m:"
/* what Keten ends its own comments with (rt.c): they are not read back */
#define OUR_MARK "\n-- \n" RT_MARKER_PREFIX

/* One message of a token. */
struct message {
	char txn[RT_ID_MAX + 1], ticket[RT_ID_MAX + 1];
	int public;
	char created[21];
};

int rt_messages_add(char **list, size_t *len, const char *txn, const char *ticket, int public,
		    const char *created)
{
	return rt_url_append(list, len, txn) || rt_url_append(list, len, ",") ||
	       rt_url_append(list, len, ticket) || rt_url_append(list, len, public ? ",C," : ",c,") ||
	       rt_url_append(list, len, created) || rt_url_append(list, len, ";");
}

char *rt_messages_token(const char *next, const char *list)
{
	size_t n = sizeof(PREFIX) + strlen(next ? next : "") + 1 + strlen(list) + 1;
	char *token = malloc(n);

	if (token)
		snprintf(token, n, PREFIX "%s:%s", next ? next : "", list);
	return token;
}

int rt_is_messages_token(const char *page)
{
	return page && strncmp(page, PREFIX, strlen(PREFIX)) == 0;
}

static int is_id(const char *s, size_t n)
{
	if (n == 0 || n > RT_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The message at *s ("<txn>,<ticket>,<C|c>,<created>;") into m; moves *s
 * past it. -1 when it is not one. */
static int parse_message(const char **s, struct message *m)
{
	const char *p = *s, *comma = strchr(p, ','), *end;
	char when[20];
	size_t n;

	if (!comma || !is_id(p, (size_t)(comma - p)))
		return -1;
	memcpy(m->txn, p, (size_t)(comma - p));
	m->txn[comma - p] = '\0';
	p = comma + 1;
	if (!(comma = strchr(p, ',')) || !is_id(p, (size_t)(comma - p)))
		return -1;
	memcpy(m->ticket, p, (size_t)(comma - p));
	m->ticket[comma - p] = '\0';
	p = comma + 1;
	if ((*p != 'C' && *p != 'c') || p[1] != ',')
		return -1;
	m->public = *p == 'C';
	p += 2;
	if (!(end = strchr(p, ';')) || (n = (size_t)(end - p)) >= sizeof(m->created))
		return -1;
	memcpy(m->created, p, n);
	m->created[n] = '\0';
	if (rt_sql_time(m->created, when) != 0)
		return -1;
	*s = end + 1;
	return 0;
}

/* The messages of token page into a new array (*n of them) and the
 * listing's next page into next; -1 when page is not such a token (or out
 * of memory: *ms NULL then too). */
static int parse_token(const char *page, struct message **ms, size_t *n, char next[RT_ID_MAX + 1])
{
	const char *p = page + strlen(PREFIX), *colon;
	size_t cap = 0;

	*ms = NULL;
	*n = 0;
	if (strlen(page) > RT_TOKEN_MAX || !(colon = strchr(p, ':')) ||
	    (colon != p && !is_id(p, (size_t)(colon - p))))
		return -1;
	memcpy(next, p, (size_t)(colon - p));
	next[colon - p] = '\0';
	for (p = colon + 1; *p; (*n)++) {
		if (*n == cap) {
			struct message *grown = realloc(*ms, (cap + 16) * sizeof(**ms));

			if (!grown)
				break;
			*ms = grown;
			cap += 16;
		}
		if (parse_message(&p, &(*ms)[*n]) != 0)
			break;
	}
	if (*p || *n == 0) {
		free(*ms);
		*ms = NULL;
		return -1;
	}
	return 0;
}

int rt_build_messages(const json_t *supplier, const char *page, struct kt_http_request *out,
		      struct kt_err *err)
{
	struct message *ms;
	size_t n, len = 0;
	char next[RT_ID_MAX + 1], *base, *query = NULL;
	int rc;

	if (parse_token(page, &ms, &n, next) != 0)
		return rt_err_build(err, "\"%.60s\" is not a page token of the rt adapter", page);
	rc = rt_url_append(&query, &len, "[{\"field\":\"TransactionId\",\"operator\":\"IN\",\"value\":[");
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = rt_url_append(&query, &len, i ? "," : "") ||
		     rt_url_append(&query, &len, ms[i].txn);
	if (rc == 0)
		rc = rt_url_append(&query, &len,
				   "]},{\"field\":\"ContentType\",\"value\":\"text/plain\"}]");
	free(ms);
	if (rc != 0) {
		free(query);
		return rt_err_oom(err);
	}
	if (!(base = rt_rest_base(supplier, err)))
		rc = KT_ERR;
	else
		rc = rt_get(out, base, "/attachments", query,
			    "&fields=TransactionId%2CContentType%2CContent&orderby=id&order=ASC"
			    "&per_page=100", err);
	free(base);
	free(query);
	return rc;
}

/* The text of transaction txn: its first text/plain attachment in items
 * (ordered by id), or NULL. */
static const char *text_of(const json_t *items, const char *txn)
{
	const json_t *item;
	size_t i;

	json_array_foreach(items, i, item) {
		char *id = rt_id_of(json_object_get(item, "TransactionId"));
		int same = id && strcmp(id, txn) == 0;

		free(id);
		if (same)
			return json_string_value(json_object_get(item, "Content"));
	}
	return NULL;
}

/* Message m with its text into out: a comment of the ticket. */
static int add_comment(const struct message *m, const char *text, struct kt_inbound_list *out,
		       struct kt_err *err)
{
	struct kt_inbound_update *u;
	char delivery[sizeof(FEED) + RT_ID_MAX + 2];

	if (!*text || strstr(text, OUR_MARK))
		return KT_OK; /* nothing said, or Keten's own comment */
	if (!(u = kt_inbound_list_add(out)))
		return rt_err_oom(err);
	snprintf(delivery, sizeof(delivery), FEED ":%s", m->txn);
	u->comment_public = m->public;
	u->comment_unordered = 1;
	if (!(u->external_id = strdup(m->ticket)) || !(u->delivery_id = strdup(delivery)) ||
	    !(u->occurred_at = strdup(m->created)) ||
	    !(u->comment = strndup(text, kt_utf8_cut(text, strlen(text), RT_CONTENT_MAX))))
		return rt_err_oom(err);
	return KT_OK;
}

int rt_read_messages(const char *page, const struct kt_answer *a, struct kt_inbound_list *out,
		     struct kt_err *err)
{
	struct message *ms;
	size_t n;
	char next[RT_ID_MAX + 1];
	json_t *doc;
	const json_t *items;
	json_int_t per_page;
	int rc = KT_OK, full;

	if (parse_token(page, &ms, &n, next) != 0)
		return rt_err_build(err, "\"%.60s\" is not a page token of the rt adapter", page);
	if (!(doc = rt_answer_json(a, err))) {
		free(ms);
		return KT_ERR;
	}
	items = json_object_get(doc, "items");
	per_page = json_integer_value(json_object_get(doc, "per_page"));
	full = per_page > 0 && json_array_size(items) >= (size_t)per_page;
	if (!json_is_array(items))
		rc = rt_err_reply(err, "RT's attachment list has no items");
	for (size_t i = 0; i < n && rc == KT_OK; i++) {
		const char *text = text_of(items, ms[i].txn);

		if (text)
			rc = add_comment(&ms[i], text, out, err);
		else if (full) /* its text may be past this one page */
			rc = rt_err_reply(err, "RT's attachments of %zu messages fill more than "
					       "one page", n);
	}
	if (rc == KT_OK && next[0] && !(out->next_page = strdup(next)))
		rc = rt_err_oom(err);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	free(ms);
	json_decref(doc);
	return rc;
}
