/* adapters/jira_int.h - what the files of the `jira` adapter share: the
 * mapping (jira_map.c: its check and what it says), Atlassian Document
 * Format both ways and Jira's wire text (jira_text.c), the live checks
 * (jira_check.c), the readers of webhooks and search pages
 * (jira_read.c) and reconcile's listing (jira_list.c). Private to
 * adapters/jira*.c. */
#ifndef KETEN_ADAPTER_JIRA_INT_H
#define KETEN_ADAPTER_JIRA_INT_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"
#include "keten/adapter.h"

/* Jira's limit of an issue summary, in bytes kept (255 characters). */
#define KT_JIRA_SUMMARY_MAX 255
/* Longest text Keten puts in one request, in bytes. */
#define KT_JIRA_TEXT_MAX (256 * 1024)
/* Longest URL the adapter builds, in bytes. */
#define KT_JIRA_URL_MAX 8192
/* Longest id, key, account id or name read from Jira, in bytes. */
#define KT_JIRA_ID_MAX 255
/* Poll page size when the chain names none, and the largest Jira gives. */
#define KT_JIRA_PAGE_DEFAULT 50
#define KT_JIRA_PAGE_MAX 100
/* Longest nextPageToken kept, in bytes. */
#define KT_JIRA_TOKEN_MAX 2048
/* Room for a time as kt_jira_time writes it. */
#define KT_JIRA_TIME_SIZE 32
/* Default label prefix that carries our reference. */
#define KT_JIRA_LABEL_PREFIX "keten-"

/* Which API a ticket type's entry creates through. */
enum kt_jira_api { KT_JIRA_PLATFORM, KT_JIRA_SERVICEDESK };

/* --- the mapping (jira_map.c) --- */

/* KT_OK, or KT_ERR (invalid "invalid_mapping") with one detail per
 * problem at its JSON pointer inside the mapping. */
int kt_jira_check_mapping(const json_t *mapping, struct kt_err *err);

/* 1 when the mapping has an entry for type t. */
int kt_jira_accepts_type(const json_t *mapping, enum kt_ticket_type t);

/* The entry for the ticket type named type, or NULL; *api its API.
 * Borrowed. */
const json_t *kt_jira_entry(const json_t *mapping, const char *type, enum kt_jira_api *api);

/* The custom field ("customfield_NNNNN") that carries our reference, or
 * NULL when a label does (kt_jira_label_prefix). Borrowed. */
const char *kt_jira_ref_field(const json_t *mapping);
const char *kt_jira_label_prefix(const json_t *mapping);

/* Our leg id as issue fields carry it (the reference field, or a label of
 * the prefix followed by a uuid), or NULL. Borrowed from fields. */
const char *kt_jira_leg_of(const json_t *mapping, const json_t *fields);

/* How a transition to canonical status st is chosen: *by_name set to the
 * name a transition (or its target status) must have, or *category to
 * the target status category key (new, indeterminate, done). */
void kt_jira_target(const json_t *mapping, enum kt_status st, const char **by_name,
		    const char **category);

/* The canonical status of Jira status {name, statusCategory{key}}: the
 * mapping's status_in by name, else by category (new -> new,
 * indeterminate -> in_progress, done -> resolved). 0, or -1 for none. */
int kt_jira_status_in(const json_t *mapping, const json_t *status, enum kt_status *out);

/* 1 when accountId is the mapping's integration_user. */
int kt_jira_is_us(const json_t *mapping, const char *account_id);

/* 1 when a comment of author goes to Jira internal (mapping comments;
 * default: integrator internal, the others public). */
int kt_jira_internal(const json_t *mapping, const char *author);

/* The poll page size: the chain's poll.page_size, else the default. */
long kt_jira_page_size(const json_t *supplier);

/* --- Jira's wire (jira_text.c) --- */

/* A fresh ADF document of plain text s: paragraphs split at blank lines,
 * a single line break as hardBreak, control characters dropped; then, when
 * marker is not NULL, a last paragraph "[marker]". NULL out of memory. */
json_t *kt_jira_adf(const char *s, const char *marker);

/* The plain text of ADF node doc (a string is taken as it is):
 * paragraphs and blocks end with a blank line, hardBreak is a line break.
 * NULL out of memory or past max bytes; the caller frees it. */
char *kt_jira_adf_text(const json_t *doc, size_t max);

/* Appends s to b as JSM's plain-text comment body: each character Jira's
 * wiki renderer reads as markup (!#()*+-:?[\]^_`{|}~) escaped with a
 * backslash, so that it shows as written. */
void kt_jira_wiki_escape(struct kt_buf *b, const char *s);

/* The supplier's endpoint (https, no query) with path appended into b
 * (initialised here). KT_ERR (invalid "adapter_build") otherwise. */
int kt_jira_url(struct kt_buf *b, const json_t *supplier, const char *path,
		struct kt_err *err);

/* Fills out (zeroed) with method, b's content as URL and body (stolen,
 * compact with sorted keys; NULL for none) and accept: application/json;
 * b is released. KT_ERR on a too long URL or out of memory. */
int kt_jira_request(struct kt_http_request *out, const char *method, struct kt_buf *b,
		    json_t *body, struct kt_err *err);

/* GET /rest/api/3/search/jql into out: jql (released here) percent-encoded,
 * fields then our reference's field (or labels) as `fields`, and extra
 * (already encoded, "&maxResults=..."). KT_ERR as kt_jira_request. */
int kt_jira_search(struct kt_http_request *out, const json_t *supplier, struct kt_buf *jql,
		   const char *fields, const char *extra, struct kt_err *err);

/* kt_jira_search with `&maxResults=` the poll page size
 * (kt_jira_page_size) and, for page (NULL: the first), Jira's
 * `&nextPageToken=`. KT_ERR (invalid "adapter_build") for a page that is
 * no Jira token (jql released all the same), else as kt_jira_search. */
int kt_jira_search_page(struct kt_http_request *out, const json_t *supplier, struct kt_buf *jql,
			const char *fields, const char *page, struct kt_err *err);

/* Appends a JQL string literal of s ("..." with \" and \\ escaped). */
void kt_jira_jql_string(struct kt_buf *b, const char *s);

/* A Jira time ("2026-11-25T20:40:00.000+0100", any RFC 3339 too) as RFC
 * 3339 UTC with milliseconds into out (KT_JIRA_TIME_SIZE bytes). 0, or -1
 * when in is no such time. */
int kt_jira_time(const char *in, char *out);

/* The JSON object of a 2xx answer, or NULL with err (supplier
 * "adapter_reply", naming what) filled. A new reference. */
json_t *kt_jira_answer_object(const struct kt_answer *a, const char *what, struct kt_err *err);

/* --- `keten supplier check` (jira_check.c), as keten/adapter.h says --- */

int kt_jira_build_check(const json_t *supplier, int i, struct kt_http_request *out,
			struct kt_err *err);
int kt_jira_read_check(const json_t *supplier, int i, const struct kt_answer *a,
		       struct kt_err *err);

/* --- webhooks and polls (jira_read.c), as keten/adapter.h says --- */

int kt_jira_read_inbound(const json_t *supplier, const struct kt_answer *push,
			 struct kt_inbound_list *out, struct kt_err *err);
int kt_jira_build_poll(const json_t *supplier, const char *feed, const char *since,
		       const char *page, struct kt_http_request *out, struct kt_err *err);
int kt_jira_read_poll(const json_t *supplier, const char *feed, const char *page,
		      const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err);

/* What a page reader does with one issue of a search answer (the
 * supplier's mapping, the reader's arg): its updates into out. */
typedef int (*kt_jira_issue_fn)(const json_t *mapping, const json_t *issue, void *arg,
				struct kt_inbound_list *out, struct kt_err *err);

/* Reads search answer a (what names it in errors): each issue through
 * one, then the page after it (Jira's nextPageToken unless isLast) into
 * out->next_page. KT_ERR (supplier "adapter_reply") for an answer that is
 * no page of issues or a token that is no short string, or one's error;
 * out is then released. */
int kt_jira_read_page(const json_t *supplier, const struct kt_answer *a, const char *what,
		      kt_jira_issue_fn one, void *arg, struct kt_inbound_list *out,
		      struct kt_err *err);

/* --- `keten reconcile`'s listing (jira_list.c), as keten/adapter.h says:
 * the issues carrying our reference, within poll_jql when the mapping
 * has one; the page token is Jira's nextPageToken --- */

int kt_jira_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		       struct kt_err *err);
int kt_jira_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		      struct kt_inbound_list *out, struct kt_err *err);

#endif
