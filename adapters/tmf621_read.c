/* tmf621_read.c - what the `tmf621` adapter reads from a seller on the
 * seller's initiative: the events it posts to Keten's listener
 * (TroubleTicketStatusChangeEvent and the others: each carries the
 * ticket) and the pages of the poll feed "troubleTicket" (TMF630
 * filtering on lastUpdate.gt, keyset pages; or plain listing where the
 * seller ignores the filter). A ticket gives its status and the notes
 * that are not Keten's; the delivery ids of push and poll agree, so a
 * change seen both ways applies once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "base/url.h"
#include "base/utf8.h"
#include "adapter_util.h"
#include "tmf621_int.h"

/* Longest comment read from a note, in bytes. */
#define COMMENT_MAX (64 * 1024)
#define FEED "troubleTicket"
/* A page token of the listing fallback starts with this "time". */
#define LIST_MARK "*"

/* *dst = a copy of src (NULL stays NULL); -1 out of memory. */
static int copy(char **dst, const char *src)
{
	return !src || (*dst = strdup(src)) ? 0 : -1;
}

/* A new update of ticket (the seller's id), for leg (may be NULL),
 * applied once under "<kind>:<id>:<key>", at when. NULL out of memory. */
static struct kt_inbound_update *add(struct kt_inbound_list *out, const char *id,
				     const char *leg, const char *kind, const char *key,
				     const char *when)
{
	struct kt_inbound_update *u = kt_inbound_list_add(out);
	char delivery[400];

	if (!u)
		return NULL;
	snprintf(delivery, sizeof(delivery), "%s:%s:%s", kind, id, key);
	if (copy(&u->leg_id, kt_is_uuid(leg) ? leg : NULL) || copy(&u->external_id, id) ||
	    copy(&u->delivery_id, delivery) || copy(&u->occurred_at, when))
		return NULL;
	return u;
}

/* The ticket's status (at when) as an update, or its rejection. */
static int add_status(const json_t *mapping, const json_t *ticket, const char *id,
		      const char *leg, const char *when, struct kt_inbound_list *out,
		      struct kt_err *err)
{
	const char *name = kt_tmf_text(ticket, "status", KT_TMF_TEXT_MAX);
	const char *reason = kt_tmf_text(ticket, "statusChangeReason", COMMENT_MAX);
	struct kt_inbound_update *u;
	enum kt_status st;
	int rc = kt_tmf_status_in(mapping, name, &st);
	char key[KT_TMF_TEXT_MAX + KT_TMF_TIME_SIZE + 2];

	if (rc < 0)
		return KT_OK;
	snprintf(key, sizeof(key), "%s:%s", name, when);
	if (!(u = add(out, id, leg, "status", key, when)))
		return kt_tmf_oom(err);
	if (rc == 0) {
		u->has_status = 1;
		u->status = st;
		return KT_OK;
	}
	u->reject = 1;
	return copy(&u->reject_reason, reason ? reason : "rejected by the seller") ? kt_tmf_oom(err)
										: KT_OK;
}

/* One note as a comment, unless Keten wrote it or it is empty. */
static int add_note(const json_t *mapping, const json_t *note, const char *id, const char *leg,
		    const char *when, struct kt_inbound_list *out, struct kt_err *err)
{
	const char *text = json_string_value(json_object_get(note, "text"));
	const char *author = json_string_value(json_object_get(note, "author"));
	const char *note_id = kt_tmf_text(note, "id", KT_TMF_ID_MAX);
	char date[KT_TMF_TIME_SIZE];
	struct kt_inbound_update *u;
	char *plain, *origin = NULL;

	if (!text || !*text || (author && strcmp(author, kt_tmf_author(mapping)) == 0))
		return KT_OK;
	if (kt_tmf_time(json_string_value(json_object_get(note, "date")), date) != 0)
		snprintf(date, sizeof(date), "%s", when);
	if (!(plain = strdup(text)) || kt_comment_split_origin(plain, &origin) ||
	    !(u = add(out, id, leg, "note", note_id ? note_id : date, date))) {
		free(plain);
		free(origin);
		return kt_tmf_oom(err);
	}
	plain[kt_utf8_cut(plain, strlen(plain), COMMENT_MAX)] = '\0';
	u->comment = plain;
	u->comment_origin = origin;
	u->comment_public = kt_tmf_notes_public(mapping);
	u->comment_unordered = 1;
	return KT_OK;
}

int kt_tmf_ticket_updates(const json_t *mapping, const json_t *ticket, const char *when,
			  struct kt_inbound_list *out, struct kt_err *err)
{
	const char *id = kt_tmf_text(ticket, "id", KT_TMF_ID_MAX);
	const char *leg = kt_tmf_leg_of(mapping, ticket);
	size_t i;
	json_t *note;

	if (!id)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "a trouble ticket of the seller has no id");
	if (add_status(mapping, ticket, id, leg, when, out, err))
		return KT_ERR;
	json_array_foreach(json_object_get(ticket, "note"), i, note)
		if (add_note(mapping, note, id, leg, when, out, err))
			return KT_ERR;
	return KT_OK;
}

/* The time a ticket changed: its lastUpdate, else its statusChangeDate,
 * else fallback (may be NULL), into when. -1 when none is a date. */
static int ticket_time(const json_t *ticket, const char *fallback, char *when)
{
	if (kt_tmf_time(json_string_value(json_object_get(ticket, "lastUpdate")), when) == 0 ||
	    kt_tmf_time(json_string_value(json_object_get(ticket, "statusChangeDate")), when) == 0)
		return 0;
	return kt_tmf_time(fallback, when);
}

static int bad_event(struct kt_err *err, const char *path, const char *msg)
{
	kt_err_detail(err, path, "%s", msg);
	return kt_err_set(err, KT_EC_INVALID, "invalid_update", "body is not a TMF621 event");
}

/* An event: {"eventId", "eventTime", "eventType", "event": {"troubleTicket"}}.
 * A delete event says nothing Keten applies. */
static int read_event(const json_t *mapping, const json_t *doc, struct kt_inbound_list *out,
		      struct kt_err *err)
{
	const char *type = kt_tmf_text(doc, "eventType", KT_TMF_TEXT_MAX);
	const json_t *ticket = json_object_get(json_object_get(doc, "event"), "troubleTicket");
	char when[KT_TMF_TIME_SIZE];

	if (!json_is_object(doc))
		return bad_event(err, "", "must be a JSON object");
	if (!type || strncmp(type, "TroubleTicket", 13) != 0)
		return bad_event(err, "/eventType", "must name a TroubleTicket event");
	if (!json_is_object(ticket))
		return bad_event(err, "/event/troubleTicket", "must be the trouble ticket");
	if (!kt_tmf_text(ticket, "id", KT_TMF_ID_MAX))
		return bad_event(err, "/event/troubleTicket/id", "must be the ticket's id");
	if (ticket_time(ticket, json_string_value(json_object_get(doc, "eventTime")), when) != 0)
		return bad_event(err, "/eventTime", "must be a date-time (or the ticket's lastUpdate)");
	if (strcmp(type, "TroubleTicketDeleteEvent") == 0)
		return KT_OK;
	return kt_tmf_ticket_updates(mapping, ticket, when, out, err);
}

int kt_tmf_read_inbound(const json_t *supplier, const struct kt_answer *push,
			struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	json_t *doc = push->len > 0 ? json_loadb(push->body, push->len, JSON_REJECT_DUPLICATES,
						  NULL)
				    : NULL;
	int rc = read_event(mapping, doc, out, err);

	if (rc != KT_OK)
		kt_inbound_list_release(out);
	else
		out->answer_status = kt_tmf_version(mapping) == 4 ? 201 : 204;
	json_decref(doc);
	return rc;
}

/* A page token "<lastUpdate>|<n>": the next page starts at that time,
 * inclusive, past the n tickets of that time already read; "*|<n>": the
 * listing fallback, at offset n. */
static int parse_page(const char *page, char *when, long *n)
{
	const char *bar = page ? strchr(page, '|') : NULL;
	char date[KT_TMF_TIME_SIZE];
	char *end;

	if (!bar || (size_t)(bar - page) >= sizeof(date) || bar[1] < '0' || bar[1] > '9')
		return -1;
	*n = strtol(bar + 1, &end, 10);
	if (*end || *n < 0 || *n > 10000000)
		return -1;
	memcpy(date, page, (size_t)(bar - page));
	date[bar - page] = '\0';
	if (strcmp(date, LIST_MARK) == 0) {
		memcpy(when, LIST_MARK, sizeof(LIST_MARK));
		return 0;
	}
	return kt_tmf_time(date, when);
}

/* GET /troubleTicket?lastUpdate.gt=<since>&sort=lastUpdate,id&limit=N; a
 * later page lastUpdate.gte=<time>&offset=<n>. Without the filter
 * (poll_filter false): offset and limit only. */
int kt_tmf_build_poll(const json_t *supplier, const char *feed, const char *since,
		      const char *page, struct kt_http_request *out, struct kt_err *err)
{
	int filter = kt_tmf_poll_filter(json_object_get(supplier, "mapping"));
	char when[KT_TMF_TIME_SIZE];
	struct kt_buf url;
	long skip = 0;

	if (!feed || strcmp(feed, FEED) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "tmf621 has no poll feed \"%s\"", feed ? feed : "");
	if (page ? parse_page(page, when, &skip) != 0 ||
			   (strcmp(when, LIST_MARK) == 0) == filter
		 : filter && kt_tmf_time(since, when) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "not a poll position tmf621 can read: \"%s\"",
				  page ? page : since ? since : "");
	kt_buf_init(&url, 4096);
	if (kt_tmf_url(&url, supplier, "troubleTicket?", err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	if (filter) {
		kt_buf_adds(&url, page ? "lastUpdate.gte=" : "lastUpdate.gt=");
		kt_url_pcts(&url, when);
		kt_buf_adds(&url, "&sort=lastUpdate,id&");
	}
	if (skip > 0)
		kt_buf_addf(&url, "offset=%ld&", skip);
	kt_buf_addf(&url, "limit=%ld", kt_tmf_page_size(supplier));
	return kt_tmf_request(out, "GET", &url, NULL, NULL, err);
}

/* The next page's token after a page of n tickets, the last of them at
 * last (normalized), same of them at that time (with those of the page
 * before, when it ended at the same time): none when the page was not
 * full. */
static int next_page(struct kt_inbound_list *out, const json_t *supplier, size_t n,
		     const char *page, const char *last, long same, struct kt_err *err)
{
	char when[KT_TMF_TIME_SIZE], token[KT_TMF_TIME_SIZE + 24];
	long skip = 0;

	if (n < (size_t)kt_tmf_page_size(supplier))
		return KT_OK;
	if (page && parse_page(page, when, &skip) == 0 && strcmp(when, LIST_MARK) == 0)
		snprintf(token, sizeof(token), LIST_MARK "|%ld", skip + (long)n);
	else if (page && strcmp(when, last) == 0)
		snprintf(token, sizeof(token), "%s|%ld", last, skip + same);
	else
		snprintf(token, sizeof(token), "%s|%ld", last, same);
	return (out->next_page = strdup(token)) ? KT_OK : kt_tmf_oom(err);
}

/* A page of tickets: each gives its updates at its lastUpdate. */
static int read_page(const json_t *supplier, const char *page, const json_t *doc,
		     struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	char last[KT_TMF_TIME_SIZE] = "", when[KT_TMF_TIME_SIZE], high[KT_TMF_TIME_SIZE] = "";
	long same = 0;
	size_t i;
	json_t *t;

	json_array_foreach(doc, i, t) {
		if (!json_is_object(t) || ticket_time(t, NULL, when) != 0)
			return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
					  "ticket %zu of the page has no lastUpdate", i);
		same = strcmp(when, last) == 0 ? same + 1 : 1;
		memcpy(last, when, sizeof(last));
		if (strcmp(when, high) > 0)
			memcpy(high, when, sizeof(high));
		if (kt_tmf_ticket_updates(mapping, t, when, out, err))
			return KT_ERR;
	}
	if (*high && !(out->high_water = strdup(high)))
		return kt_tmf_oom(err);
	return next_page(out, supplier, json_array_size(doc), page, last, same, err);
}

int kt_tmf_read_poll(const json_t *supplier, const char *feed, const char *page,
		     const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err)
{
	json_t *doc;
	int rc;

	(void)feed;
	if (kt_tmf_answer(a, "the poll", 1, &doc, err))
		return KT_ERR;
	rc = read_page(supplier, page, doc, out, err);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
