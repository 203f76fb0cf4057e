/* adapters/rt_int.h - what the files of the `rt` adapter share: the
 * mapping read with its defaults (rt_map.c), URLs and TicketSQL values
 * (rt_url.c), the error helpers, the poll (rt_poll.c) and the live checks
 * (rt_check.c). Not for the broker: it reaches the
 * adapter through the registry. */
#ifndef KETEN_ADAPTER_RT_INT_H
#define KETEN_ADAPTER_RT_INT_H

#include <stddef.h>

#include <jansson.h>

#include "keten/adapter.h"

/* RT's limits we cut to: Tickets.Subject is 200 characters; the Content we
 * send (a description, a comment) is capped at 64 KiB. */
#define RT_SUBJECT_MAX 200
#define RT_CONTENT_MAX (64 * 1024)
/* Longest RT name (queue, custom field, user, status) the mapping takes. */
#define RT_NAME_MAX 200
/* RT's largest page (REST2 caps per_page at 100) and our default. */
#define RT_PAGE_MAX 100
#define RT_PAGE_DEFAULT 50
/* Longest id (a ticket's, a transaction's) read from RT. */
#define RT_ID_MAX 20
/* Longest poll page token: "m:<id>:" and per message of one listing page
 * "<txn>,<ticket>,<C|c>,<created>;" (rt_messages.c). */
#define RT_TOKEN_MAX (RT_ID_MAX + 3 + RT_PAGE_MAX * (2 * RT_ID_MAX + 26))
/* The first line of Keten's marker under each comment it writes. */
#define RT_MARKER_PREFIX "keten:"

/* How a comment goes to RT: a comment (internal) or a reply (correspond,
 * which the requestor sees). */
enum rt_comment_kind { RT_COMMENT, RT_CORRESPOND };

/* The mapping's values, with the defaults of adapters/rt.md filled in.
 * Borrowed from the mapping. */
const char *rt_map_queue(const json_t *mapping, enum kt_ticket_type t);
const char *rt_map_field(const json_t *mapping);
const char *rt_map_requestor(const json_t *mapping);      /* NULL: none */
const char *rt_map_integration_user(const json_t *mapping);
int rt_map_priority(const json_t *mapping, int priority); /* priority 1..5 */
const char *rt_map_status_out(const json_t *mapping, enum kt_status s);
/* The canonical status of RT status name; -1 when the mapping has none. */
int rt_map_status_in(const json_t *mapping, const char *name, enum kt_status *out);
enum rt_comment_kind rt_map_comment_kind(const json_t *mapping, const char *author);
int rt_map_page_size(const json_t *mapping);

int rt_check_mapping(const json_t *mapping, struct kt_err *err);
int rt_accepts_type(const json_t *mapping, enum kt_ticket_type t);

/* A string fit for a TicketSQL '...' literal and for our names: 1..max
 * bytes of valid UTF-8 without control characters, quotes, backslashes or
 * '[' (REST2 reads a query holding '[' as a JSON search). */
int rt_is_sql_text(const char *s, size_t max);

/* The supplier's REST2 base, "<endpoint>/REST/2.0" without a doubled
 * slash, into a new string; NULL with err filled when the endpoint is
 * not an absolute https URL (or out of memory). */
char *rt_rest_base(const json_t *supplier, struct kt_err *err);
/* Appends s to the growing string *buf (of *len bytes) percent-encoded as
 * a query value (RFC 3986 unreserved characters stay). -1 out of memory. */
int rt_url_append_encoded(char **buf, size_t *len, const char *s);
/* Appends s as is; -1 out of memory. */
int rt_url_append(char **buf, size_t *len, const char *s);
/* GET base + path + "?query=" + query (percent-encoded) + rest into out. */
int rt_get(struct kt_http_request *out, const char *base, const char *path, const char *query,
	   const char *rest, struct kt_err *err);

/* "2026-12-05T17:00:12Z" (RFC 3339 UTC; a fraction or "+00:00" allowed)
 * as RT's "2026-12-05 17:00:12" into out (20 bytes); -1 when it is not. */
int rt_sql_time(const char *rfc3339, char out[20]);

int rt_err_oom(struct kt_err *err);
/* Input the adapter can never send; an answer that breaks RT's API. */
#define rt_err_build(err, ...) kt_err_set(err, KT_EC_INVALID, "adapter_build", __VA_ARGS__)
#define rt_err_reply(err, ...) kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", __VA_ARGS__)

/* The JSON of a 2xx answer, or NULL with err filled (class supplier). */
json_t *rt_answer_json(const struct kt_answer *a, struct kt_err *err);
/* A ticket or transaction id as RT writes it ("42" or 42) into a new
 * string; NULL when v is neither. */
char *rt_id_of(const json_t *v);

/* Poll (rt_poll.c). */
int rt_build_poll(const json_t *supplier, const char *feed, const char *since,
		  const char *page, struct kt_http_request *out, struct kt_err *err);
int rt_read_poll(const json_t *supplier, const char *feed, const char *page,
		 const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err);

/* The text of a listing page's messages (rt_messages.c). Appends a
 * message to the growing list *list (-1 out of memory); the token of the
 * page that reads the list's text, then goes on at next (NULL: the
 * listing ended), in a new string (NULL out of memory); whether page is
 * such a token. */
int rt_messages_add(char **list, size_t *len, const char *txn, const char *ticket, int public,
		    const char *created);
char *rt_messages_token(const char *next, const char *list);
int rt_is_messages_token(const char *page);
int rt_build_messages(const json_t *supplier, const char *page, struct kt_http_request *out,
		      struct kt_err *err);
int rt_read_messages(const char *page, const struct kt_answer *a, struct kt_inbound_list *out,
		     struct kt_err *err);

/* Live checks (rt_check.c). */
int rt_build_check(const json_t *supplier, int i, struct kt_http_request *out,
		   struct kt_err *err);
int rt_read_check(const json_t *supplier, int i, const struct kt_answer *a, struct kt_err *err);

#endif
