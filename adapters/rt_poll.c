/* rt_poll.c - polling RT, which cannot push: feed "transactions" reads the
 * status changes, replies (Correspond) and comments (Comment) of the
 * mapping's queues since a time through TransactionSQL, ordered by
 * transaction id. The transaction log only grows, so the last id seen is
 * the page token (a keyset: a ticket changed while the pages are read gets
 * a higher id, on a later page). Only tickets Keten created are read, and
 * the transactions made by Keten's own RT user (integration_user) are
 * skipped: they are our own writes coming back. A status change is read
 * from the listing; a listing page with messages is followed by a page
 * that reads their text (rt_messages.c), whose token names them and the
 * listing's next page. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_int.h"

#define FEED "transactions"
/* the fields asked, percent-encoded: ObjectId,ObjectType,Type,NewValue,... */
#define FIELDS "ObjectId%2CObjectType%2CType%2CNewValue%2CCreated%2CCreator"

/* The TicketSQL of one page: status changes and messages since `since` of
 * the tickets Keten created (its integration user; a ticket an agent
 * opened in one of our queues has no leg) in our queues, after transaction
 * `after` (NULL: from the first). */
static int page_query(const json_t *m, const char *since, const char *after, char **q,
		      size_t *len)
{
	int first = 1;

	if (rt_url_append(q, len, "ObjectType = 'RT::Ticket' AND (Type = 'Status' OR "
			  "Type = 'Correspond' OR Type = 'Comment') AND Created >= '") ||
	    rt_url_append(q, len, since) || rt_url_append(q, len, "' AND ("))
		return -1;
	for (int t = 0; t < KT_TYPE__COUNT; t++) {
		const char *queue = rt_map_queue(m, (enum kt_ticket_type)t);

		if (!queue)
			continue;
		if ((!first && rt_url_append(q, len, " OR ")) ||
		    rt_url_append(q, len, "TicketQueue = '") || rt_url_append(q, len, queue) ||
		    rt_url_append(q, len, "'"))
			return -1;
		first = 0;
	}
	if (rt_url_append(q, len, ") AND TicketCreator = '") ||
	    rt_url_append(q, len, rt_map_integration_user(m)) || rt_url_append(q, len, "'"))
		return -1;
	if (after && (rt_url_append(q, len, " AND id > ") || rt_url_append(q, len, after)))
		return -1;
	return 0;
}

int rt_build_poll(const json_t *supplier, const char *feed, const char *since,
		  const char *page, struct kt_http_request *out, struct kt_err *err)
{
	const json_t *m = json_object_get(supplier, "mapping");
	char when[20], rest[160], *base, *query = NULL;
	size_t qlen = 0;
	int rc;

	if (!feed || strcmp(feed, FEED) != 0)
		return rt_err_build(err, "RT has no poll feed \"%s\"", feed ? feed : "");
	if (rt_sql_time(since, when) != 0)
		return rt_err_build(err, "the poll's since \"%s\" is not an RFC 3339 UTC time",
				    since ? since : "");
	if (rt_is_messages_token(page))
		return rt_build_messages(supplier, page, out, err);
	if (page && (!*page || strlen(page) > RT_ID_MAX ||
		     strspn(page, "0123456789") != strlen(page)))
		return rt_err_build(err, "\"%s\" is not a page token of the rt adapter", page);
	for (int t = 0; t < KT_TYPE__COUNT; t++)
		if (!rt_is_sql_text(rt_map_queue(m, (enum kt_ticket_type)t), RT_NAME_MAX) &&
		    rt_map_queue(m, (enum kt_ticket_type)t))
			return rt_err_build(err, "the rt mapping has a queue name unfit for TicketSQL");
	if (!rt_is_sql_text(rt_map_integration_user(m), RT_NAME_MAX))
		return rt_err_build(err, "the rt mapping has no integration_user fit for TicketSQL");
	if (!rt_map_queue(m, KT_TYPE_INCIDENT) && !rt_map_queue(m, KT_TYPE_REQUEST) &&
	    !rt_map_queue(m, KT_TYPE_CHANGE) && !rt_map_queue(m, KT_TYPE_PROBLEM))
		return rt_err_build(err, "the rt mapping names no queue to poll");
	if (!(base = rt_rest_base(supplier, err)))
		return KT_ERR;
	snprintf(rest, sizeof(rest), "&orderby=id&order=ASC&per_page=%d&fields=%s",
		 rt_map_page_size(m), FIELDS);
	if (page_query(m, when, page, &query, &qlen))
		rc = rt_err_oom(err);
	else
		rc = rt_get(out, base, "/transactions", query, rest, err);
	free(base);
	free(query);
	return rc;
}

/* One transaction of the page into out (or nothing for our own); a
 * message onto the list *msgs (of *mlen bytes) whose text a next page
 * reads. */
static int read_item(const json_t *m, const json_t *item, struct kt_inbound_list *out,
		     char **msgs, size_t *mlen, struct kt_err *err)
{
	const char *user = rt_map_integration_user(m);
	const char *creator = json_string_value(json_object_get(json_object_get(item, "Creator"), "id"));
	const char *created = json_string_value(json_object_get(item, "Created"));
	const char *status = json_string_value(json_object_get(item, "NewValue"));
	const char *type = json_string_value(json_object_get(item, "Type"));
	char *txn = rt_id_of(json_object_get(item, "id"));
	char *ticket = rt_id_of(json_object_get(item, "ObjectId"));
	char when[20], delivery[sizeof(FEED) + RT_ID_MAX + 2];
	struct kt_inbound_update *u;
	enum kt_status st;
	int rc = KT_OK;

	if (!txn || !ticket || !creator || rt_sql_time(created, when) != 0 || !status || !type)
		rc = rt_err_reply(err, "RT's transaction list has an item without id, ticket, "
				       "creator, time, type or status");
	else if (user && strcmp(creator, user) == 0)
		; /* our own write */
	else if (strcmp(type, "Correspond") == 0 || strcmp(type, "Comment") == 0) {
		if (rt_messages_add(msgs, mlen, txn, ticket, strcmp(type, "Correspond") == 0,
				    created))
			rc = rt_err_oom(err);
	} else if (strcmp(type, "Status") != 0)
		rc = rt_err_reply(err, "RT's transaction list has a %s transaction", type);
	else if (rt_map_status_in(m, status, &st) != 0)
		rc = kt_err_set(err, KT_EC_INVALID, "adapter_reply",
				"RT status \"%s\" (ticket %s) has no entry in the rt mapping's "
				"status_in", status, ticket);
	else if (!(u = kt_inbound_list_add(out)))
		rc = rt_err_oom(err);
	else {
		snprintf(delivery, sizeof(delivery), FEED ":%s", txn);
		u->has_status = 1;
		u->status = st;
		u->external_id = ticket;
		ticket = NULL;
		if (!(u->delivery_id = strdup(delivery)) || !(u->occurred_at = strdup(created)))
			rc = rt_err_oom(err);
	}
	free(txn);
	free(ticket);
	return rc;
}

/* The newest time and the last id of the page; the next page's token when
 * the page was full, or when it named messages (msgs, NULL for none) the
 * page that reads their text. */
static int read_paging(const json_t *doc, const json_t *items, const char *msgs,
		       struct kt_inbound_list *out, struct kt_err *err)
{
	char *next = NULL;
	size_t n = json_array_size(items), i;
	const json_t *item;
	const char *newest = NULL;
	json_int_t per_page = json_integer_value(json_object_get(doc, "per_page"));

	json_array_foreach(items, i, item) {
		const char *t = json_string_value(json_object_get(item, "Created"));

		if (!newest || strcmp(t, newest) > 0)
			newest = t;
	}
	if (newest && !(out->high_water = strdup(newest)))
		return rt_err_oom(err);
	if (n > 0 && per_page > 0 && (json_int_t)n >= per_page &&
	    !(next = rt_id_of(json_object_get(json_array_get(items, n - 1), "id"))))
		return rt_err_oom(err);
	if (!msgs) {
		out->next_page = next;
		return KT_OK;
	}
	out->next_page = rt_messages_token(next, msgs);
	free(next);
	return out->next_page ? KT_OK : rt_err_oom(err);
}

int rt_read_poll(const json_t *supplier, const char *feed, const char *page,
		 const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *m = json_object_get(supplier, "mapping");
	json_t *doc;
	const json_t *items, *item;
	char *msgs = NULL;
	size_t i, mlen = 0;
	int rc = KT_OK;

	if (!feed || strcmp(feed, FEED) != 0)
		return rt_err_build(err, "RT has no poll feed \"%s\"", feed ? feed : "");
	if (rt_is_messages_token(page))
		return rt_read_messages(page, a, out, err);
	if (!(doc = rt_answer_json(a, err)))
		return KT_ERR;
	items = json_object_get(doc, "items");
	if (!json_is_array(items))
		rc = rt_err_reply(err, "RT's transaction list has no items");
	json_array_foreach(items, i, item) {
		if (rc == KT_OK)
			rc = read_item(m, item, out, &msgs, &mlen, err);
	}
	if (rc == KT_OK)
		rc = read_paging(doc, items, msgs, out, err);
	free(msgs);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
