/* rule_comment.h - comments on a ticket in the database: what the
 * customer and the integrator post through the API, what a supplier says
 * on its leg, which suppliers each one is relayed to (as outbox comment
 * messages carrying an origin marker), and the echo check that keeps a
 * relayed comment coming back from a supplier from going round again.
 * A rule file: spans tickets, legs, events and outbox; calls rows. */
#ifndef KETEN_STORE_RULE_COMMENT_H
#define KETEN_STORE_RULE_COMMENT_H

#include "http/auth.h"
#include "store/store.h"

/* Largest comment text (and reopen reason), in bytes. */
#define KT_COMMENT_TEXT_MAX (64 * 1024)

/* Who may read a comment posted through the API (the event's visibility). */
enum kt_comment_to {
	KT_COMMENT_TO_CUSTOMER,   /* everyone on the ticket; open legs' suppliers get it */
	KT_COMMENT_TO_SUPPLIER,   /* one leg's supplier (and the integrator) */
	KT_COMMENT_TO_INTEGRATOR, /* a note for the integrator alone */
};

/* Parses "customer", "supplier" or "integrator" into *out: 0, or -1 for
 * an unknown name. */
int kt_comment_to_parse(const char *name, enum kt_comment_to *out);

struct kt_comment {
	const char *text;
	enum kt_comment_to to;
	const char *leg_id;       /* KT_COMMENT_TO_SUPPLIER only */
	int max_comments;         /* comments and notes the ticket may hold */
};

/* Inside the caller's transaction: records comment c by p on ticket
 * ticket_id and queues it for the suppliers it reaches: to customer ->
 * a customer-visible "comment", sent to the supplier of every open leg;
 * to supplier -> a "comment" on leg c->leg_id for that supplier alone,
 * sent to it; to integrator -> a "note" nobody else sees. Locks the
 * ticket first. *out gets the comment as its author sees it (new
 * reference): {id, ticket_id, kind, visibility, text, leg_id?,
 * occurred_at}; *n_messages the messages queued. not_found "not_found" (not p's
 * ticket), conflict "ticket_closed" (closed or cancelled, for all but notes),
 * invalid "invalid_comment" (leg not a live supplier leg of the ticket) or
 * "too_many_comments" (the ticket holds c->max_comments comments and notes
 * already, a supplier's included; nothing is recorded). */
int kt_store_comment_add(struct kt_db *db, const struct kt_principal *p,
			 const char *ticket_id, const struct kt_comment *c,
			 json_t **out, int *n_messages, struct kt_err *err);

/* What a supplier says in a comment on its leg. */
struct kt_supplier_comment {
	const char *text;
	int public;               /* the customer may see it */
	const char *origin;       /* the origin marker it carries; may be NULL */
	const char *occurred_at;  /* RFC 3339; NULL: now */
};

/* Inside kt_store_leg_update's transaction (the ticket locked): records
 * supplier comment c on leg leg_id. An echo - it carries the origin
 * marker of a comment Keten sent to this leg, or exactly the text of
 * one - becomes an integrator-only "echo" event and goes no further.
 * Otherwise a "comment" event: public -> customer-visible and queued for
 * the suppliers of the ticket's other open legs; else a work note for the
 * integrator and this supplier. actor is "supplier:<key>". *n_messages
 * is increased by the messages queued. */
int kt_store_comment_from_supplier(struct kt_db *db, const char *ticket_id,
				   const char *leg_id, const char *actor,
				   const struct kt_supplier_comment *c,
				   int *n_messages, struct kt_err *err);

#endif
