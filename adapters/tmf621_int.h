/* adapters/tmf621_int.h - what the files of the `tmf621` adapter share:
 * the mapping (tmf621_map.c: its check and what it says), the wire
 * (tmf621_wire.c: URLs, requests, answers, dates), the readers of events
 * and poll pages (tmf621_read.c), reconcile's listing (tmf621_list.c)
 * and the hub and live check (tmf621_hub.c). Private to
 * adapters/tmf621*.c. */
#ifndef KETEN_ADAPTER_TMF621_INT_H
#define KETEN_ADAPTER_TMF621_INT_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"
#include "keten/adapter.h"

/* Longest mapping string (a ticketType, a severity, a party id), bytes. */
#define KT_TMF_TEXT_MAX 255
/* Longest id of a seller's ticket or note kept, in bytes. */
#define KT_TMF_ID_MAX 128
/* Room for a date as kt_tmf_time writes it ("...T..:..:..mmmZ"). */
#define KT_TMF_TIME_SIZE 32
/* Poll page size when the chain names none, and the most it may name. */
#define KT_TMF_PAGE_DEFAULT 100
#define KT_TMF_PAGE_MAX 1000
/* The note author Keten writes when the mapping names none. */
#define KT_TMF_AUTHOR_DEFAULT "Keten"
/* The owner of Keten's externalIdentifier (v5) when the mapping names none. */
#define KT_TMF_OWNER_DEFAULT "Keten"

/* --- the mapping (tmf621_map.c) --- */

/* KT_OK, or KT_ERR (invalid "invalid_mapping") with one detail per
 * problem at its JSON pointer inside the mapping. */
int kt_tmf_check_mapping(const json_t *mapping, struct kt_err *err);

/* 1 when the mapping has an entry for type t. */
int kt_tmf_accepts_type(const json_t *mapping, enum kt_ticket_type t);

/* The API version the mapping names: 4 or 5 (5 when absent). */
int kt_tmf_version(const json_t *mapping);

/* The ticketType of the mapping's entry for ticket type name, or NULL.
 * Borrowed. */
const char *kt_tmf_ticket_type(const json_t *mapping, const char *type);

/* The value table ("severity" or "priority") gives ITIL priority p (1..5),
 * or NULL (priority: not sent). Borrowed; severity has defaults. */
const char *kt_tmf_level(const json_t *mapping, const char *table, int p);

/* The seller's status for canonical status s (the mapping's status_out,
 * else the default of adapters/tmf621.md). Borrowed. */
const char *kt_tmf_status_out(const json_t *mapping, enum kt_status s);

/* The canonical status of the seller's status name: 0 and *out set; 1
 * for a status that rejects the leg (rejected by default); -1 for a
 * status the mapping does not read. */
int kt_tmf_status_in(const json_t *mapping, const char *name, enum kt_status *out);

/* The note author Keten writes and skips when it reads notes back. */
const char *kt_tmf_author(const json_t *mapping);

/* The owner of Keten's externalIdentifier (v5). */
const char *kt_tmf_owner(const json_t *mapping);

/* 1 when comments of author (customer|integrator|supplier) are sent:
 * work notes (integrator) only when the mapping's work_notes is true. */
int kt_tmf_sends_comment(const json_t *mapping, const char *author);

/* 1 when a v5 note goes by JSON Patch (note_patch "json-patch", the
 * default), 0 by merge patch. */
int kt_tmf_note_json_patch(const json_t *mapping);

/* 1 when the seller's notes come to Keten as public comments (notes_in
 * "public", the default). */
int kt_tmf_notes_public(const json_t *mapping);

/* 1 when the poll may filter on lastUpdate.gt (poll_filter, default true). */
int kt_tmf_poll_filter(const json_t *mapping);

/* The poll page size: the chain's poll.page_size, else KT_TMF_PAGE_DEFAULT. */
long kt_tmf_page_size(const json_t *supplier);

/* --- the wire (tmf621_wire.c) --- */

/* Sets err to "out of memory" (internal); returns KT_ERR. */
int kt_tmf_oom(struct kt_err *err);

/* The supplier's endpoint, the mapping's base_path (default
 * /tmf-api/troubleTicket/v4 or /v5) and path into b; KT_ERR (invalid
 * "adapter_build") when the endpoint is no absolute https URL. */
int kt_tmf_url(struct kt_buf *b, const json_t *supplier, const char *path,
	       struct kt_err *err);

/* Fills out (zeroed) with method, b's content as URL, body (stolen,
 * compact with sorted keys; NULL for none) of content_type and accept:
 * application/json; b is released. KT_ERR (internal) out of memory. */
int kt_tmf_request(struct kt_http_request *out, const char *method, struct kt_buf *b,
		   json_t *body, const char *content_type, struct kt_err *err);

/* The JSON body of a 2xx answer (what names it in messages) into *doc (the
 * caller's): an object when want_array is 0, else an array. KT_ERR
 * (supplier "adapter_reply") otherwise. */
int kt_tmf_answer(const struct kt_answer *a, const char *what, int want_array, json_t **doc,
		  struct kt_err *err);

/* A date-time (RFC 3339 with any offset) as UTC with milliseconds
 * ("2026-11-25T19:40:00.000Z") into out (KT_TMF_TIME_SIZE bytes); 0, or
 * -1 when in is no such date. */
int kt_tmf_time(const char *in, char *out);

/* The text of key in obj when it is a string of 1..max bytes, else NULL.
 * Borrowed. */
const char *kt_tmf_text(const json_t *obj, const char *key, size_t max);

/* The leg id Keten's reference on ticket (a seller's TroubleTicket)
 * names: v4 externalId, v5 the externalIdentifier[] id whose owner is the
 * mapping's owner; NULL when there is none. Borrowed. */
const char *kt_tmf_leg_of(const json_t *mapping, const json_t *ticket);

/* --- events and polls (tmf621_read.c), as keten/adapter.h says --- */

int kt_tmf_read_inbound(const json_t *supplier, const struct kt_answer *push,
			struct kt_inbound_list *out, struct kt_err *err);
int kt_tmf_build_poll(const json_t *supplier, const char *feed, const char *since,
		      const char *page, struct kt_http_request *out, struct kt_err *err);
int kt_tmf_read_poll(const json_t *supplier, const char *feed, const char *page,
		     const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err);

/* --- `keten reconcile`'s listing (tmf621_list.c), as keten/adapter.h
 * says: the tickets carrying a leg id as Keten's reference (v5 filtered
 * on the owner of Keten's externalIdentifier), poll.page_size a page; the
 * page token is the offset --- */

int kt_tmf_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		      struct kt_err *err);
int kt_tmf_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		     struct kt_inbound_list *out, struct kt_err *err);

/* --- the hub and the live check (tmf621_hub.c), as keten/adapter.h says --- */

int kt_tmf_build_subscribe(const json_t *supplier, const char *callback,
			   struct kt_http_request *out, struct kt_err *err);
int kt_tmf_read_subscribe(const json_t *supplier, const struct kt_answer *a, char **id,
			  struct kt_err *err);
int kt_tmf_build_unsubscribe(const json_t *supplier, const char *id,
			     struct kt_http_request *out, struct kt_err *err);
int kt_tmf_build_check(const json_t *supplier, int i, struct kt_http_request *out,
		       struct kt_err *err);
int kt_tmf_read_check(const json_t *supplier, int i, const struct kt_answer *a,
		      struct kt_err *err);

/* The updates a seller's ticket (from an event or a poll page) says: its
 * status unless Keten's own change, each note not Keten's as a comment.
 * when: the ticket's lastUpdate (UTC) or the event's time. */
int kt_tmf_ticket_updates(const json_t *mapping, const json_t *ticket, const char *when,
			  struct kt_inbound_list *out, struct kt_err *err);

#endif
