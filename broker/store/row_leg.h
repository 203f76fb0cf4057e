/* row_leg.h - the legs table: the "open leg" rule in C, a leg read under
 * its row lock, the changes a supplier's word and the broker's routing
 * make to one leg, and the open legs of a ticket. A row file: one table,
 * calls only the database layer. */
#ifndef KETEN_STORE_ROW_LEG_H
#define KETEN_STORE_ROW_LEG_H

#include "keten/model.h"
#include "store/internal.h"

/* The "open leg" rule, the C side's one copy of SQL's
 * keten_leg_is_open(status, ended) (schemas/migrations/015): a leg is
 * open while the broker did not end it (ended 0) and its status is not
 * resolved, closed or cancelled. tests/system/store.test.mjs checks that
 * the two agree on every status. */
int kt_store_leg_is_open(enum kt_status status, int ended);

/* A leg as it was before a change, read under its row lock. */
struct kt_leg_row {
	int ext_null;             /* no external id yet */
	int acknowledged;
	int stale;                /* the change is older than the leg's last update,
				   * or an inbound one of a leg the broker ended */
	char status[32];
	char supplier_time[40];   /* RFC 3339 of the last applied update; "" none */
	char ended[16];           /* why the broker ended the leg; "" it did not */
};

/* Locks the legs of rows and sets what a supplier says of each, in one
 * statement (the legs locked in the order of their ids). rows is a JSON
 * array of {i, leg, webhook_id?, occurred_at?, status?, external_id?,
 * set}: webhook_id the inbound delivery that says it (absent: the answer
 * to our delivery), occurred_at its time (absent: now), status and
 * external_id what it brings (absent: none), set false to only lock and
 * read. Whether a word is stale: store/rule_leg.h. A word that is set
 * sets external_id and status (a status past new acknowledges the leg);
 * an inbound one also moves the leg's supplier time to occurred_at and
 * keeps webhook_id. Of a stale word only an answer's external id is set
 * (an inbound stale word, or an answer naming none, sets nothing); of a
 * word about a leg the broker ended, no status. The answer has a row per
 * leg found, in the order of i: kt_store_leg_row_read reads it. NULL on
 * error (err filled). */
PGresult *kt_store_leg_lock_set_all(struct kt_db *db, json_t *rows, struct kt_err *err);

/* Reads row r of kt_store_leg_lock_set_all's answer: its i, the leg as it
 * was into *b, and into *acknowledged the leg's flag after (0 when it was
 * not set). */
long long kt_store_leg_row_read(PGresult *res, int r, struct kt_leg_row *b, int *acknowledged);

/* Sets leg leg_id's status (a close or a reopen of its ticket). */
int kt_store_leg_set_status(struct kt_db *db, const char *leg_id, const char *status,
			    struct kt_err *err);

/* The broker ends leg leg_id, if it did not already: ended "withdrawn",
 * "cancelled", "rejected" (status cancelled) or, for a triage leg,
 * "routed" (status closed). Writes the key of its supplier into supplier
 * (72 bytes; "" for a triage leg or a leg already ended; may be NULL). */
int kt_store_leg_end(struct kt_db *db, const char *leg_id, const char *ended,
		     char *supplier, struct kt_err *err);

/* The open legs of ticket ticket_id, oldest first: columns id, supplier
 * id (NULL: triage), supplier key. The caller PQclear()s it; NULL on error. */
PGresult *kt_store_leg_open_list(struct kt_db *db, const char *ticket_id,
				 struct kt_err *err);

/* *open gets 1 when ticket ticket_id has an open triage leg. */
int kt_store_leg_triage_open(struct kt_db *db, const char *ticket_id, int *open,
			     struct kt_err *err);

#endif
