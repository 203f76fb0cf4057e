/* row_ticket.h - the tickets table: the ticket lock every change takes
 * first, and the few columns routing reads and moves. A row file: one
 * table, calls only the database layer. */
#ifndef KETEN_STORE_ROW_TICKET_H
#define KETEN_STORE_ROW_TICKET_H

#include "http/auth.h"
#include "store/store.h"

/* Locks ticket id for the rest of the caller's transaction. Every
 * transaction that changes a ticket's legs or timeline takes this lock
 * first, before any leg: changes to one ticket take turns (so the
 * consolidated status is computed from every leg's committed state) and
 * the lock order is the same on every path (no deadlock). not_found
 * "not_found". */
int kt_store_ticket_lock(struct kt_db *db, const char *ticket_id, struct kt_err *err);

/* kt_store_ticket_lock() for a change p asks for: only a ticket p may
 * change (the integrator: any; a customer: its own), else not_found
 * "not_found". Writes the consolidated status into status (32 bytes). */
int kt_store_ticket_lock_for(struct kt_db *db, const char *ticket_id,
			     const struct kt_principal *p, char *status,
			     struct kt_err *err);

/* The ticket's columns as routing reads them. */
struct kt_ticket_row {
	char service_id[KT_UUID_LEN + 1];
	char version[16];
	char priority[4];
	char status[32];            /* the ticket's own status */
	int hops;
	int escalated;
};

/* Reads ticket ticket_id into *t (call under kt_store_ticket_lock).
 * not_found "not_found". */
int kt_store_ticket_read(struct kt_db *db, const char *ticket_id, struct kt_ticket_row *t,
			 struct kt_err *err);

/* 1 with conflict "ticket_closed" set when t is closed or cancelled, else 0. */
int kt_store_ticket_refuse_closed(const struct kt_ticket_row *t, struct kt_err *err);

/* Adds one to the ticket's hops; *hops gets the new count. */
int kt_store_ticket_count_hop(struct kt_db *db, const char *ticket_id, int *hops,
			      struct kt_err *err);

/* escalated 1: the ticket waits on the integrator from now; 0: no more. */
int kt_store_ticket_set_escalated(struct kt_db *db, const char *ticket_id, int escalated,
				  struct kt_err *err);

#endif
