/* adapters/topdesk_int.h - what the files of the `topdesk` adapter share:
 * the readers of pushes and polls (topdesk_read.c, the actions phase in
 * topdesk_actions.c, the updates both make in topdesk_update.c), the live checks
 * (topdesk_check.c), the mapping (topdesk_map.c: its check and what it
 * says), and the text of TOPdesk's wire (topdesk_text.c: URLs, HTML,
 * dates). Private to adapters/topdesk*.c. */
#ifndef KETEN_ADAPTER_TOPDESK_INT_H
#define KETEN_ADAPTER_TOPDESK_INT_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/url.h"
#include "keten/adapter.h"

/* Longest {id|name} value of a mapping reference, in bytes. */
#define KT_TOPDESK_REF_MAX 255
/* Page size of a poll when the chain names none, the largest it may
 * name, and TOPdesk's largest page (asked for past one busy instant). */
#define KT_TOPDESK_PAGE_DEFAULT 100
#define KT_TOPDESK_PAGE_SIZE_MAX 1000
#define KT_TOPDESK_PAGE_MAX 10000
/* Room for a date as kt_topdesk_time writes it. */
#define KT_TOPDESK_TIME_SIZE 40

/* --- pushes and polls (topdesk_read.c), as keten/adapter.h says --- */

int kt_topdesk_read_inbound(const json_t *supplier, const struct kt_answer *push,
			    struct kt_inbound_list *out, struct kt_err *err);
int kt_topdesk_build_poll(const json_t *supplier, const char *feed, const char *since,
			  const char *page, struct kt_http_request *out, struct kt_err *err);
int kt_topdesk_read_poll(const json_t *supplier, const char *feed, const char *page,
			 const struct kt_answer *a, struct kt_inbound_list *out,
			 struct kt_err *err);

/* --- canonical updates of incidents and actions (topdesk_update.c) --- */

/* The value of obj's member key when it is an id-like text (1 to 100
 * bytes), else NULL. Borrowed. */
const char *kt_topdesk_id_of(const json_t *obj, const char *key);

/* The status update of incident inc (a list item or a push body),
 * modified at when, into list when the mapping reads a status from it:
 * delivery id "incident:<incident id>:<when>". KT_ERR (internal) out of
 * memory. */
int kt_topdesk_add_state(struct kt_inbound_list *list, const json_t *mapping, const json_t *inc,
			 const char *when, struct kt_err *err);

/* The comment update of action (an item of /actions, or a push's
 * "action") of incident inc ({"id", "externalNumber"}) into list, unless
 * Keten's integration user wrote it or its text is empty: delivery id
 * "action:<action id>" (without one "action:<incident id>:<when>"),
 * public unless invisibleForCaller, Keten's marker passed as its origin,
 * happened at when; unordered marks it a journal entry
 * (comment_unordered). KT_ERR (internal) out of memory. */
int kt_topdesk_add_action(struct kt_inbound_list *list, const json_t *mapping,
			  const json_t *inc, const char *when, const json_t *action,
			  int unordered, struct kt_err *err);

/* --- the second phase of a poll page (topdesk_actions.c) --- */

/* Actions asked for per request of the second phase. */
#define KT_TOPDESK_ACTIONS_PAGE 100

/* Collects the incidents of a listing page whose actions the second
 * phase reads. */
struct kt_topdesk_walk {
	struct kt_buf list;        /* "<incident id>,<leg id>;..." */
	size_t n;
};

void kt_topdesk_walk_init(struct kt_topdesk_walk *w);
void kt_topdesk_walk_release(struct kt_topdesk_walk *w);

/* Adds incident inc (a listing item) when it is one of Keten's (its
 * externalNumber a uuid) and its id fits a token. -1 out of memory. */
int kt_topdesk_walk_add(struct kt_topdesk_walk *w, const json_t *inc);

/* The page token that reads the actions of w's incidents, then goes on
 * with the listing's next page (NULL: the pass ends after them), into
 * out->next_page; nothing when w is empty (out->next_page stays). KT_ERR
 * (internal) out of memory. */
int kt_topdesk_walk_token(struct kt_topdesk_walk *w, struct kt_inbound_list *out,
			  struct kt_err *err);

/* 1 when page is a token of the second phase. */
int kt_topdesk_is_actions_page(const char *page);

/* GET /incidents/id/{id}/actions?start=&page_size= of the token's first
 * incident. KT_ERR (invalid "adapter_build") for a token it never gave. */
int kt_topdesk_build_actions(const json_t *supplier, const char *page,
			     struct kt_http_request *out, struct kt_err *err);

/* Reads one page of the first incident's actions (newest first): each
 * since the pass's since (the supplier's "poll_since") a comment update;
 * the next page is the same incident's older actions, the next incident,
 * or the listing's next page. */
int kt_topdesk_read_actions(const json_t *supplier, const char *page,
			    const struct kt_answer *a, struct kt_inbound_list *out,
			    struct kt_err *err);

/* --- `keten supplier check` (topdesk_check.c), as keten/adapter.h says --- */

int kt_topdesk_build_check(const json_t *supplier, int i, struct kt_http_request *out,
			   struct kt_err *err);
int kt_topdesk_read_check(const json_t *supplier, int i, const struct kt_answer *a,
			  struct kt_err *err);

/* --- the mapping (topdesk_map.c) --- */

/* KT_OK, or KT_ERR (invalid "invalid_mapping") with one detail per
 * problem at its JSON pointer inside the mapping. */
int kt_topdesk_check_mapping(const json_t *mapping, struct kt_err *err);

/* 1 when the mapping has an entry (a call type) for type t. */
int kt_topdesk_accepts_type(const json_t *mapping, enum kt_ticket_type t);

/* The mapping's entry for the ticket type named type, or NULL. Borrowed. */
const json_t *kt_topdesk_entry(const json_t *mapping, const char *type);

/* The {id|name} that member key of table (impact, urgency, priority,
 * status_out) maps n or name to, or NULL. Borrowed. */
const json_t *kt_topdesk_ref_of(const json_t *mapping, const char *table, const char *key);

/* The canonical status an incident (or a push body) says: status_in of
 * its processingStatus (by id, then by name) first, else closed ->
 * closed, completed -> resolved. 0 and *out set, or -1 when it says none. */
int kt_topdesk_status_in(const json_t *mapping, const json_t *incident, enum kt_status *out);

/* 1 when person ({id, name} as TOPdesk writes an operator) is the
 * mapping's integration_user. */
int kt_topdesk_is_us(const json_t *mapping, const json_t *person);

/* 1 when a comment of author (customer|integrator|supplier) goes to
 * TOPdesk invisible for the caller (the mapping's comments, defaults:
 * integrator internal, the others public). */
int kt_topdesk_invisible(const json_t *mapping, const char *author);

/* The poll page size: the chain's poll.page_size of the supplier (the
 * poll engine hands it over), else KT_TOPDESK_PAGE_DEFAULT. The same for
 * a page's request and its reading, which must agree on it. */
long kt_topdesk_page_size(const json_t *supplier);

/* --- the wire (topdesk_text.c) --- */

/* The supplier's endpoint with "/tas/api/" and path appended into b, or
 * KT_ERR (invalid "adapter_build") when the endpoint is not an absolute
 * https URL. */
int kt_topdesk_url(struct kt_buf *b, const json_t *supplier, const char *path,
		   struct kt_err *err);

/* Fills out (zeroed) with method, b's content as the URL, body (stolen,
 * serialized with sorted keys; NULL for none) and accept:
 * application/json; b is released. KT_ERR (internal) out of memory. */
int kt_topdesk_request(struct kt_http_request *out, const char *method, struct kt_buf *b,
		       json_t *body, struct kt_err *err);

/* A list answer of TOPdesk (what: the call, for messages): 200 or 206
 * with a JSON array into *doc (the caller's), or 204: *doc NULL, no
 * entries. KT_ERR (supplier "adapter_reply") for any other answer. */
int kt_topdesk_list(const struct kt_answer *a, const char *what, json_t **doc,
		    struct kt_err *err);

/* Appends len bytes of plain text s as TOPdesk's HTML subset: &, <, >
 * and " escaped, line breaks as <br>. */
int kt_topdesk_html(struct kt_buf *b, const char *s, size_t len);

/* Plain text of TOPdesk's HTML: <br>, </p> and </div> as line breaks,
 * other tags dropped, the five named entities and numeric ones decoded.
 * NULL out of memory; the caller frees it. */
char *kt_topdesk_text(const char *html);

/* A TOPdesk date ("2026-11-25T20:40:00.000+0100", RFC 3339 too) as RFC
 * 3339 UTC with milliseconds ("2026-11-25T19:40:00.000Z") in out
 * (KT_TOPDESK_TIME_SIZE bytes). 0, or -1 when in is no such date. */
int kt_topdesk_time(const char *in, char *out);

#endif
