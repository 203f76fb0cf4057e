/* row_event.h - the events table (a ticket's timeline): appending one
 * entry. A row file: one table, calls only the database layer. */
#ifndef KETEN_STORE_ROW_EVENT_H
#define KETEN_STORE_ROW_EVENT_H

#include <jansson.h>

#include "store/store.h"

/* The holder "the leg's supplier while leg leg_id is open
 * (keten_leg_is_open), else the integrator", read in the event's own
 * statement. */
#define KT_HOLDER_OF_LEG "leg"

/* Appends an event to ticket ticket_id's timeline, about leg leg_id (NULL:
 * the ticket as a whole). holder NULL: the holder stays the last event's
 * (the integrator when there is none); KT_HOLDER_OF_LEG: as it says. occurred_at NULL: now. data is
 * stolen. Writes the event's id into id (24 bytes) and its time into at
 * (40 bytes); either may be NULL. Inside the caller's transaction. */
int kt_store_event_add(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const char *kind, const char *visibility, const char *actor,
		       const char *holder, const char *occurred_at, json_t *data,
		       char *id, char *at, struct kt_err *err);

/* Appends events, a JSON array of {i, ticket_id, leg_id?, kind,
 * visibility, actor, holder, occurred_at?, data}, in one statement and in
 * the order of i. holder is required (a value, or KT_HOLDER_OF_LEG: read
 * after whatever the caller changed before). Borrows events. */
int kt_store_event_add_all(struct kt_db *db, json_t *events, struct kt_err *err);

#endif
