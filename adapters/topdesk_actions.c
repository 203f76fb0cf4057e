/* topdesk_actions.c - the second phase of a page of the `topdesk` poll
 * feed "incidents": TOPdesk lists actions only per incident
 * (/incidents/id/{id}/actions, newest first), so a listing page that named
 * Keten's incidents is followed by pages that read their actions since the
 * pass's since, one incident (and one page of its actions) at a time. The
 * token carries what is left: "a:<start>:<id>,<leg>;<id>,<leg>...#<the
 * listing's next page>". Each action is a comment update with the push's
 * delivery id. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "topdesk_int.h"

#define PREFIX "a:"
/* Longest incident id carried, in bytes (TOPdesk's are UUIDs). */
#define ID_MAX 100
/* Longest token: a page of 10,000 incidents, each id and leg id. */
#define TOKEN_MAX ((size_t)KT_TOPDESK_PAGE_MAX * (ID_MAX + 40) + 200)
#define START_MAX 1000000000L
#define UUID_LEN 36
#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* A token taken apart; pointers into the caller's copy. */
struct walk_page {
	long start;
	char id[ID_MAX + 1];
	char leg[UUID_LEN + 1];
	const char *rest;   /* the incidents after the first ("" when none) */
	const char *next;   /* the listing's next page ("" at its end) */
};

static int out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

static int is_id(const char *s, size_t n)
{
	return n > 0 && n <= ID_MAX && strspn(s, ID_CHARS) >= n;
}

void kt_topdesk_walk_init(struct kt_topdesk_walk *w)
{
	kt_buf_init(&w->list, TOKEN_MAX);
	w->n = 0;
}

void kt_topdesk_walk_release(struct kt_topdesk_walk *w)
{
	kt_buf_release(&w->list);
	w->n = 0;
}

int kt_topdesk_walk_add(struct kt_topdesk_walk *w, const json_t *inc)
{
	const char *id = json_string_value(json_object_get(inc, "id"));
	const char *leg = json_string_value(json_object_get(inc, "externalNumber"));

	if (!kt_is_uuid(leg) || !id || !is_id(id, strlen(id)))
		return 0;
	kt_buf_addf(&w->list, "%s%s,%s", w->n ? ";" : "", id, leg);
	w->n++;
	return w->list.failed ? -1 : 0;
}

/* "a:<start>:<list>#<next>" into *out (NULL next: ""). -1 out of memory. */
static int make_token(char **out, long start, const char *list, const char *next)
{
	struct kt_buf t;

	kt_buf_init(&t, TOKEN_MAX + 200);
	kt_buf_addf(&t, PREFIX "%ld:%s#%s", start, list, next ? next : "");
	*out = kt_buf_detach(&t);
	return *out ? 0 : -1;
}

int kt_topdesk_walk_token(struct kt_topdesk_walk *w, struct kt_inbound_list *out,
			  struct kt_err *err)
{
	char *token;

	if (w->list.failed)
		return out_of_memory(err);
	if (w->n == 0)
		return KT_OK;
	if (make_token(&token, 0, kt_buf_str(&w->list), out->next_page))
		return out_of_memory(err);
	free(out->next_page);
	out->next_page = token;
	return KT_OK;
}

int kt_topdesk_is_actions_page(const char *page)
{
	return page && strncmp(page, PREFIX, strlen(PREFIX)) == 0;
}

/* Takes page apart into p; -1 when it is no token of this phase. */
static int parse(const char *page, struct walk_page *p)
{
	const char *s = page + strlen(PREFIX), *comma, *end, *hash;
	char *stop;

	if (strlen(page) > TOKEN_MAX + 200 || *s < '0' || *s > '9')
		return -1;
	p->start = strtol(s, &stop, 10);
	if (*stop != ':' || p->start < 0 || p->start > START_MAX)
		return -1;
	s = stop + 1;
	if (!(hash = strchr(s, '#')) || !(comma = strchr(s, ',')) || comma > hash ||
	    !is_id(s, (size_t)(comma - s)))
		return -1;
	memcpy(p->id, s, (size_t)(comma - s));
	p->id[comma - s] = '\0';
	s = comma + 1;
	end = strchr(s, ';');
	if (!end || end > hash)
		end = hash;
	if ((size_t)(end - s) != UUID_LEN)
		return -1;
	memcpy(p->leg, s, UUID_LEN);
	p->leg[UUID_LEN] = '\0';
	if (!kt_is_uuid(p->leg))
		return -1;
	p->rest = end;
	p->next = hash + 1;
	return 0;
}

static int bad_token(struct kt_err *err, const char *page)
{
	return kt_err_set(err, KT_EC_INVALID, "adapter_build",
			  "\"%.60s\" is not a page token of the topdesk adapter", page);
}

int kt_topdesk_build_actions(const json_t *supplier, const char *page,
			     struct kt_http_request *out, struct kt_err *err)
{
	struct walk_page p;
	struct kt_buf url;

	if (parse(page, &p) != 0)
		return bad_token(err, page);
	kt_buf_init(&url, 4096);
	if (kt_topdesk_url(&url, supplier, "incidents/id/", err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, p.id);
	kt_buf_addf(&url, "/actions?start=%ld&page_size=%d", p.start, KT_TOPDESK_ACTIONS_PAGE);
	return kt_topdesk_request(out, "GET", &url, NULL, err);
}

/* The page after p's: the same incident from start (start > 0), the next
 * incident, or the listing's next page (none at the pass's end). */
static int next_page(const struct walk_page *p, long start, struct kt_inbound_list *out,
		     struct kt_err *err)
{
	char *list = NULL;
	int rc = 0;

	if (start > 0) {
		size_t n = strlen(p->id) + 1 + UUID_LEN + strlen(p->rest) + 1;

		if (!(list = malloc(n)))
			return out_of_memory(err);
		snprintf(list, n, "%s,%s%.*s", p->id, p->leg,
			 (int)(strchr(p->rest, '#') - p->rest), p->rest);
		rc = make_token(&out->next_page, start, list, p->next);
	} else if (*p->rest == ';') {
		size_t n = (size_t)(strchr(p->rest, '#') - p->rest);

		if (!(list = strndup(p->rest + 1, n - 1)))
			return out_of_memory(err);
		rc = make_token(&out->next_page, 0, list, p->next);
	} else if (*p->next) {
		rc = !(out->next_page = strdup(p->next));
	}
	free(list);
	return rc ? out_of_memory(err) : KT_OK;
}

/* The actions of one page since `since` into out (an older one is read
 * before: passed over); *more = 1 when a full page may have more such
 * actions after it: its last one is still since `since`, or the list runs
 * oldest first (TOPdesk's order, newest first, is unverified). */
static int read_list(const json_t *mapping, const struct walk_page *p, const char *since,
		     const json_t *doc, struct kt_inbound_list *out, int *more,
		     struct kt_err *err)
{
	json_t *inc = json_pack("{s:s, s:s}", "id", p->id, "externalNumber", p->leg);
	char when[KT_TOPDESK_TIME_SIZE], first[KT_TOPDESK_TIME_SIZE] = "";
	const json_t *action;
	size_t i;
	int rc = inc ? KT_OK : out_of_memory(err);

	json_array_foreach(doc, i, action) {
		if (rc != KT_OK)
			break;
		if (!json_is_string(json_object_get(action, "id")) ||
		    kt_topdesk_time(json_string_value(json_object_get(action, "entryDate")),
				    when) != 0)
			rc = kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
					"action %zu of incident %s has no id or entryDate", i, p->id);
		else if (i == 0)
			memcpy(first, when, sizeof(first));
		if (rc == KT_OK && strcmp(when, since) >= 0)
			rc = kt_topdesk_add_action(out, mapping, inc, when, action, 1, err);
	}
	*more = json_array_size(doc) >= KT_TOPDESK_ACTIONS_PAGE &&
		(strcmp(when, since) >= 0 || strcmp(first, when) < 0);
	json_decref(inc);
	return rc;
}

int kt_topdesk_read_actions(const json_t *supplier, const char *page,
			    const struct kt_answer *a, struct kt_inbound_list *out,
			    struct kt_err *err)
{
	char since[KT_TOPDESK_TIME_SIZE];
	struct walk_page p;
	json_t *doc;
	int rc, more;

	if (parse(page, &p) != 0)
		return bad_token(err, page);
	if (kt_topdesk_time(json_string_value(json_object_get(supplier, "poll_since")), since))
		return kt_err_set(err, KT_EC_INVALID, "adapter_reply",
				  "the poll names no since to read TOPdesk's actions from");
	if (kt_topdesk_list(a, "the list of actions", &doc, err))
		return KT_ERR;
	rc = read_list(json_object_get(supplier, "mapping"), &p, since, doc, out, &more, err);
	if (rc == KT_OK)
		rc = next_page(&p, more ? p.start + (long)json_array_size(doc) : 0, out, err);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
