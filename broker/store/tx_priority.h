/* tx_priority.h - a ticket's impact and urgency changed by the customer
 * or the integrator, and with them its priority and SLA clocks. A
 * transaction file. */
#ifndef KETEN_STORE_TX_PRIORITY_H
#define KETEN_STORE_TX_PRIORITY_H

#include "http/auth.h"
#include "store/store.h"

/* Sets ticket id's impact and urgency (each 1..3) for p, in one
 * transaction that locks the ticket: its priority follows (kt_priority),
 * the timeline gets a customer-visible "priority_changed" {from, to} when
 * the priority moved, and the SLA clocks are planned again from the new
 * targets (store/rule_sla.h: counted from the ticket's start). A change
 * to what it already is changes nothing. not_found "not_found" (not p's
 * ticket), conflict "ticket_closed" (closed or cancelled). */
int kt_store_priority_change(struct kt_db *db, const char *id, const struct kt_principal *p,
			     int impact, int urgency, struct kt_err *err);

#endif
