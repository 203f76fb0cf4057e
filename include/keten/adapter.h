/* keten/adapter.h - the interface every supplier adapter implements (v2).
 * An adapter is a pure translator between the canonical model and one
 * supplier API: it builds the HTTP requests of an outbox message (one or
 * more steps), reads the supplier's answers, reads a supplier's push and
 * the pages of a poll into canonical updates, and checks its mapping. It
 * does no I/O, holds no globals and knows no secret: the broker resolves
 * secrets, applies the supplier's auth module, sends through its one
 * transport, verifies pushes by the scheme the adapter names, keeps poll
 * cursors and step state in PostgreSQL. Adding a supplier API = one file
 * in adapters/ plus its entry in the table of adapters/adapter.c. */
#ifndef KETEN_ADAPTER_H
#define KETEN_ADAPTER_H

#include <jansson.h>

#include "keten/err.h"
#include "keten/model.h"

#define KT_ADAPTER_MAX_HEADERS 8

struct kt_header {
	char *name;  /* owned */
	char *value; /* owned */
};

/* A supplier's answer, or its push, as the adapter reads it. All
 * borrowed. Header names as the peer sent them; compare them without
 * regard to case (kt_answer_header). */
struct kt_answer {
	long http_status;           /* 0 for a push */
	const char *body;           /* may be NULL when len is 0 */
	size_t len;
	const struct kt_header *headers;
	size_t n_headers;
};

/* The value of header name in a (case-insensitive), or NULL. */
const char *kt_answer_header(const struct kt_answer *a, const char *name);

/* One step of an outbox message to translate. All borrowed. */
struct kt_adapter_msg {
	enum kt_operation op;
	const char *message_id;   /* idempotency key, stable across retries */
	long long seq;            /* per-leg sequence number */
	int attempt;              /* 1 on the first try of this step */
	int step;                 /* 0, then what read_reply asked for */
	const json_t *state;      /* NULL at step 0; else what the previous
				     step's read_reply kept (its out->state) */
	const json_t *leg_view;   /* the supplier's own projection of the ticket
				     (kt_view_supplier_leg): "leg" has the
				     leg's "id" (our reference, the correlation
				     id every supplier is given) and its
				     "external_id" once the supplier named one */
	const json_t *supplier;   /* {"key", "endpoint", "mapping"} (mapping
				     checked at import by check_mapping) */
	const json_t *payload;    /* NULL, or what the message carries beyond
				     the view: {"comment": {"text", "author",
				     "origin"}} or {"reopen": {"reason"}} */
};

/* The request an adapter wants sent. Filled by a build function; the
 * caller releases it with kt_http_request_release. The broker adds the
 * auth module's headers, and on a non-lookup write the Idempotency-Key. A
 * GET or DELETE has no body. */
struct kt_http_request {
	char method[8];
	char *url;    /* owned, absolute https URL */
	struct kt_header headers[KT_ADAPTER_MAX_HEADERS];
	size_t n_headers;
	char *body;   /* owned, NUL-terminated; NULL when none; body_len
			 excludes the NUL */
	size_t body_len;
};

/* What the supplier's 2xx answer to one step says. */
struct kt_adapter_reply {
	char *external_id;   /* owned; NULL when the answer names none */
	int has_status;      /* 1 when the answer carries a supplier status */
	enum kt_status status;
	int next_step;       /* > 0: the operation goes on with this step; the
				broker stores state with the message first, so
				a crash between steps resumes at next_step */
	json_t *state;       /* owned; the next step's msg->state */
};

/* A supplier's update of one leg, in canonical words. */
struct kt_inbound_update {
	char *leg_id;        /* owned; our leg id, as the supplier echoes it;
				may be NULL when external_id names the leg */
	char *external_id;   /* owned; the supplier's id; may be NULL */
	char *delivery_id;   /* owned; the key this update is applied once
				under (e.g. "<sys_id>:<sys_mod_count>"); NULL:
				the push's delivery id header */
	int has_status;
	enum kt_status status;
	char *comment;       /* owned; may be NULL */
	int comment_public;  /* 1: the customer may see the comment */
	char *comment_origin; /* owned; the origin marker Keten sent with a
				 comment the supplier echoes back; may be NULL */
	int comment_unordered; /* 1: an entry of the supplier's append-only
				  journal (no status): its comment is added
				  even when it is older than the leg's last
				  update, and its time does not move the leg's
				  clock (a feed of records and one of journal
				  entries are read apart) */
	char *occurred_at;   /* owned RFC 3339; NULL when the supplier gave none */
	int reject;          /* 1: the supplier rejects the leg ("not ours");
				no status or comment then */
	char *reject_reason; /* owned; set when reject */
	char *reject_component; /* owned; the supplier's hint where the ticket
				   belongs (a component key); may be NULL */
};

/* The updates a push or a poll page carries. */
struct kt_inbound_list {
	struct kt_inbound_update *items; /* owned array */
	size_t n;
	char *next_page;     /* owned poll page token; NULL: the last page */
	char *high_water;    /* owned RFC 3339 UTC: the newest supplier update
				time on this page; NULL when it had none */
	int answer_status;   /* a push only: the HTTP status its sender
				expects (e.g. 201, or 204: no body); 0: 200
				with the result */
};

/* How a supplier's push is authenticated, checked by the broker before
 * read_inbound sees the body, with the supplier's inbound secret. */
enum kt_push_scheme {
	KT_PUSH_NONE,             /* the adapter takes no push: poll only */
	KT_PUSH_STANDARD_WEBHOOKS, /* webhook-id/-timestamp/-signature */
	KT_PUSH_TOKEN_HEADER,     /* header `header` equals the secret */
	KT_PUSH_BASIC,            /* Authorization: Basic, "user:secret" */
	KT_PUSH_HMAC_SHA256_HEX,  /* header `header` = "sha256=" + hex HMAC of
				     the body with the secret */
};

struct kt_push_spec {
	enum kt_push_scheme scheme;
	const char *header;          /* TOKEN_HEADER, HMAC_SHA256_HEX */
	const char *delivery_header; /* the header naming the delivery id, or
					NULL: each update's delivery_id */
};

/* Every function may be NULL where marked optional. Each fails with
 * KT_ERR and err filled: class invalid for input it can never handle
 * (code "adapter_build" when building, "adapter_reply" when reading),
 * class supplier for an answer that does not follow the supplier's API. */
struct kt_adapter {
	const char *name;
	/* The JSON Schema its mapping follows (schemas/adapters/<name>.json,
	 * the published contract; check_mapping enforces the same rules). */
	const char *mapping_schema;
	/* Checks a supplier's mapping at chain import: KT_ERR with class
	 * invalid and one err detail per problem (path, message). NULL
	 * mapping: the chain document has none. */
	int (*check_mapping)(const json_t *mapping, struct kt_err *err);
	/* Optional: 1 when the mapping has an entry (a table, a queue, a call
	 * type) for tickets of type t; 0 refuses the routing of such a ticket
	 * to this supplier. NULL: every type. */
	int (*accepts_type)(const json_t *mapping, enum kt_ticket_type t);
	/* Build the request of msg's step into *out (which the caller zeroed). */
	int (*build_request)(const struct kt_adapter_msg *msg,
			     struct kt_http_request *out, struct kt_err *err);
	/* Read a 2xx answer to msg's step. */
	int (*read_reply)(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			  struct kt_adapter_reply *out, struct kt_err *err);
	/* Optional: the supplier's own words in a non-2xx answer (its error
	 * JSON's message), copied into buf (at most n bytes, NUL-terminated);
	 * 0 when it found none. */
	int (*read_error)(const struct kt_answer *a, char *buf, size_t n);
	/* Optional (NULL: only the supplier's honouring Idempotency-Key
	 * protects a re-sent create). The request that asks the supplier for
	 * the ticket it holds for msg's leg, found by our reference (the leg
	 * id): sent before a create whose earlier attempt may have arrived. */
	int (*build_lookup)(const struct kt_adapter_msg *msg,
			    struct kt_http_request *out, struct kt_err *err);
	/* Read the answer to a lookup: *found = 1 with out->external_id set,
	 * or *found = 0 when the supplier holds no such ticket. KT_ERR for
	 * any other answer: the create stays in doubt. */
	int (*read_lookup)(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			   int *found, struct kt_adapter_reply *out, struct kt_err *err);
	/* How a push is authenticated. */
	struct kt_push_spec push;
	/* Optional (push.scheme NONE): read a verified push into out. */
	int (*read_inbound)(const json_t *supplier, const struct kt_answer *push,
			    struct kt_inbound_list *out, struct kt_err *err);
	/* The poll feeds (NULL-terminated names, e.g. "records", "journal"),
	 * or NULL: the supplier cannot be polled. Each feed has its own
	 * cursor. */
	const char *const *poll_feeds;
	/* Optional: the request of one poll page of feed: updates since
	 * `since` (RFC 3339 UTC; the broker's cursor less the overlap window)
	 * and page (NULL: the first page; else a next_page this adapter
	 * gave). Page tokens must be keyset-based (the last update time and
	 * id seen), so that a record updated while the pages are read moves
	 * ahead, never past a page boundary unseen. */
	int (*build_poll)(const json_t *supplier, const char *feed, const char *since,
			  const char *page, struct kt_http_request *out, struct kt_err *err);
	/* Optional: read one page's answer; page is the token its request
	 * was built with (NULL: the first page), so that a page of several
	 * phases knows which one it reads; supplier's "poll_since" is the
	 * since its request was built with (the pass's, as an RFC 3339 UTC
	 * string), for a phase whose request cannot ask "since" itself and
	 * must filter the answer. Every update carries its
	 * delivery_id, stable for one supplier change, so a page read twice
	 * (the overlap, a retry, another node) applies it once. */
	int (*read_poll)(const json_t *supplier, const char *feed, const char *page,
			 const struct kt_answer *a, struct kt_inbound_list *out,
			 struct kt_err *err);
	/* Optional (`keten supplier check`): the live checks of the mapping's
	 * values at the supplier (that a close code, a queue, a status is
	 * one it knows), which an import cannot make. Check i (from 0) as a
	 * request into out; KT_OK with out->url left NULL when there is no
	 * check i. */
	int (*build_check)(const json_t *supplier, int i, struct kt_http_request *out,
			   struct kt_err *err);
	/* Reads check i's answer: KT_OK, or KT_ERR with class invalid, code
	 * "mapping_unknown_value" and one err detail (the mapping's JSON
	 * pointer, message) per value the supplier does not know. */
	int (*read_check)(const json_t *supplier, int i, const struct kt_answer *a,
			  struct kt_err *err);
	/* Optional (`keten supplier subscribe`): the request that registers
	 * callback (Keten's inbound URL of the supplier) with a supplier that
	 * pushes to registered listeners (a TMF hub). */
	int (*build_subscribe)(const json_t *supplier, const char *callback,
			       struct kt_http_request *out, struct kt_err *err);
	/* Reads the answer to it: the subscription's id into *id (owned by
	 * the caller), or KT_ERR (supplier "adapter_reply"). */
	int (*read_subscribe)(const json_t *supplier, const struct kt_answer *a, char **id,
			      struct kt_err *err);
	/* Optional (`keten supplier unsubscribe`): the request that removes
	 * subscription id; any 2xx answer means done. */
	int (*build_unsubscribe)(const json_t *supplier, const char *id,
				 struct kt_http_request *out, struct kt_err *err);
	/* Optional (`keten reconcile`; NULL: the supplier cannot be asked,
	 * reported as "cannot list"): the request of one page (NULL: the
	 * first; else a next_page this adapter gave) of the supplier's
	 * tickets that carry Keten's reference, so that those Keten no longer
	 * knows (after a restore) are found. */
	int (*build_list)(const json_t *supplier, const char *page, struct kt_http_request *out,
			  struct kt_err *err);
	/* Reads one page: per ticket an item of out with external_id (the
	 * supplier's id) and leg_id (Keten's reference, NULL when the ticket
	 * carries none readable), and next_page (NULL: the last). KT_ERR
	 * (supplier "adapter_reply") for an answer that is no such list. */
	int (*read_list)(const json_t *supplier, const char *page, const struct kt_answer *a,
			 struct kt_inbound_list *out, struct kt_err *err);
};

/* The adapter registered under name, or NULL. */
const struct kt_adapter *kt_adapter_find(const char *name);

/* The i-th registered adapter (from 0), or NULL past the last: for what
 * the broker sets up per adapter (the poll feeds it leases). */
const struct kt_adapter *kt_adapter_at(size_t i);

void kt_http_request_release(struct kt_http_request *req);
/* Adds a header; copies name and value. -1 when the table is full. */
int kt_http_request_add_header(struct kt_http_request *req, const char *name,
			       const char *value);
/* Sets method, url (copied) and body (taken: body is the request's now,
 * NULL for none) with its content type. KT_ERR (internal) when out of
 * memory; req is released then. */
int kt_http_request_set(struct kt_http_request *req, const char *method, const char *url,
			char *body, const char *content_type, struct kt_err *err);
void kt_adapter_reply_release(struct kt_adapter_reply *reply);
void kt_inbound_update_release(struct kt_inbound_update *upd);
/* Appends a zeroed update to list; NULL when out of memory. */
struct kt_inbound_update *kt_inbound_list_add(struct kt_inbound_list *list);
void kt_inbound_list_release(struct kt_inbound_list *list);

#endif
