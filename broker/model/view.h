/* view.h - who may see what of a ticket: the one place where every view
 * (customer, supplier, integrator, and what a supplier is sent) is cut out
 * of the full ticket record. Pure functions over JSON; no I/O. */
#ifndef KETEN_VIEW_H
#define KETEN_VIEW_H

#include <jansson.h>

#include "http/auth.h"

/* The full record (as store/rule_ticket.c loads it: ticket fields, customer,
 * service, legs[], timeline[]) seen by p. For a supplier: only its own leg
 * (as "leg") and the timeline entries meant for that leg or for everyone;
 * for a customer: the consolidated status ("status"), no legs, only
 * customer-visible entries (a supplier's public comments only where its
 * visibility.public_comments_to_customer is not false), a supplier's name
 * (as an entry's actor_name) only where its visibility.name_to_customer
 * is true; for the integrator: everything. Other suppliers are "supplier"
 * to everyone but the integrator. The visibility settings come with each
 * leg's supplier in the full record. SLA clocks: the customer sees the
 * ticket's ("sla": response and resolution), a supplier its own leg's
 * contract clocks ("leg"."sla"), the integrator all. with_timeline = 0
 * leaves the timeline out (lists).
 * Returns a new reference, or NULL when p may not see the ticket at all. */
json_t *kt_view_ticket(const json_t *full, const struct kt_principal *p,
		       int with_timeline);

/* A timeline page stops after the entry that takes the texts it shows
 * past this many bytes, so that an answer stays near this size whatever
 * the page size asked (comments are up to 64 KiB each). */
#define KT_VIEW_PAGE_BYTES (1024 * 1024)

/* One page of p's view of full's timeline: full's "timeline" holds the
 * entries after the cursor in id order (at most limit + 1 of them; the
 * store may already leave out entries p can never see). The page is p's
 * view of the first limit of them, or of fewer when those p sees pass
 * KT_VIEW_PAGE_BYTES: {"items": [...], "next_cursor": the id of the last
 * entry the page took, as a decimal string, or null when there were no
 * more}. So a page may hold fewer than limit items, and following
 * next_cursor yields every entry p may see exactly once. New reference,
 * or NULL when p may not see the ticket at all (or limit is 0). */
json_t *kt_view_timeline_page(const json_t *full, const struct kt_principal *p, size_t limit);

/* What a supplier is sent about leg leg_id: that supplier's own view,
 * focused on that leg, without its clocks and without the timeline (a
 * message carries what changed in its payload, never the history: full
 * may come without "timeline"). NULL when the leg is not the supplier's. */
json_t *kt_view_supplier_leg(const json_t *full, const char *supplier_id,
			     const char *supplier_key, const char *leg_id);

#endif
