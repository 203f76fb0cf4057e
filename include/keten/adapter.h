/* keten/adapter.h - the interface every supplier adapter implements.
 * An adapter is a pure translator between the canonical model and one
 * supplier API: it builds the HTTP request for an outbox message, reads the
 * supplier's answer, and turns a supplier's inbound delivery into a canonical
 * update. It does no I/O and holds no globals; the dispatcher sends, signs
 * and times the request. Adding a supplier API = one file in adapters/ plus
 * its entry in the table of adapters/adapter.c. */
#ifndef KETEN_ADAPTER_H
#define KETEN_ADAPTER_H

#include <jansson.h>

#include "keten/err.h"
#include "keten/model.h"

/* One outbox message to translate. All borrowed. */
struct kt_adapter_msg {
	enum kt_operation op;
	const char *message_id;   /* idempotency key, stable across retries */
	long long seq;            /* per-leg sequence number */
	const json_t *leg_view;   /* the supplier's own projection of the ticket
				     (kt_view_ticket for that supplier) */
	const json_t *supplier;   /* {"key", "endpoint", "mapping"?} */
	const json_t *payload;    /* NULL, or what the message carries beyond
				     the view: {"comment": {"text", "author",
				     "origin"}} or {"reopen": {"reason"}} */
};

#define KT_ADAPTER_MAX_HEADERS 8

struct kt_header {
	char *name;  /* owned */
	char *value; /* owned */
};

/* The request an adapter wants sent. Filled by build_request; the caller
 * releases it with kt_http_request_release. */
struct kt_http_request {
	char method[8];
	char *url;    /* owned, absolute https URL */
	struct kt_header headers[KT_ADAPTER_MAX_HEADERS];
	size_t n_headers;
	char *body;   /* owned, NUL-terminated; body_len excludes the NUL */
	size_t body_len;
};

/* What the supplier's answer to a delivered message says. */
struct kt_adapter_reply {
	char *external_id;   /* owned; NULL when the answer names none */
	int has_status;      /* 1 when the answer carries a supplier status */
	enum kt_status status;
};

/* A supplier's update of one leg, in canonical words. */
struct kt_inbound_update {
	char *leg_id;        /* owned; our leg id, as the supplier echoes it */
	char *external_id;   /* owned; may be NULL */
	int has_status;
	enum kt_status status;
	char *comment;       /* owned; may be NULL */
	int comment_public;  /* 1: the customer may see the comment */
	char *comment_origin; /* owned; the origin marker Keten sent with a
				 comment the supplier echoes back; may be NULL */
	char *occurred_at;   /* owned RFC 3339; NULL when the supplier gave none */
	int reject;          /* 1: the supplier rejects the leg ("not ours");
				no status or comment then */
	char *reject_reason; /* owned; set when reject */
	char *reject_component; /* owned; the supplier's hint where the ticket
				   belongs (a component key); may be NULL */
};

struct kt_adapter {
	const char *name;
	/* Build the request for msg into *out (which the caller zeroed).
	 * KT_ERR with err filled (class invalid, code "adapter_build") on input
	 * it can never send: the dispatcher dead-letters such a message. */
	int (*build_request)(const struct kt_adapter_msg *msg,
			     struct kt_http_request *out, struct kt_err *err);
	/* Read a 2xx answer. body may be NULL when empty. */
	int (*read_reply)(enum kt_operation op, long http_status,
			  const char *body, size_t len,
			  struct kt_adapter_reply *out, struct kt_err *err);
	/* Read an inbound delivery whose signature the broker already
	 * verified. KT_ERR with class invalid for a body it cannot use. */
	int (*read_inbound)(const char *body, size_t len,
			    const json_t *supplier,
			    struct kt_inbound_update *out, struct kt_err *err);
	/* Optional (NULL: the supplier cannot be searched, and only its
	 * honouring Idempotency-Key protects a re-sent create). Build the
	 * request that asks the supplier for the ticket it holds for msg's
	 * leg, found by the correlation id it was sent (the leg id): the
	 * dispatcher sends it before a create whose earlier attempt may have
	 * reached the supplier. */
	int (*build_lookup)(const struct kt_adapter_msg *msg,
			    struct kt_http_request *out, struct kt_err *err);
	/* Read the answer to a lookup: *found = 1 with out->external_id set
	 * (and the status, if given), or *found = 0 when the supplier holds
	 * no such ticket. KT_ERR for any other answer: the lookup failed and
	 * the create stays in doubt. */
	int (*read_lookup)(long http_status, const char *body, size_t len,
			   int *found, struct kt_adapter_reply *out,
			   struct kt_err *err);
};

/* The adapter registered under name, or NULL. */
const struct kt_adapter *kt_adapter_find(const char *name);

void kt_http_request_release(struct kt_http_request *req);
/* Adds a header; copies name and value. -1 when the table is full. */
int kt_http_request_add_header(struct kt_http_request *req, const char *name,
			       const char *value);
void kt_adapter_reply_release(struct kt_adapter_reply *reply);
void kt_inbound_update_release(struct kt_inbound_update *upd);

#endif
