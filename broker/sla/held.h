/* held.h - who held a ticket: the business time, in the calendar of its
 * SLA, that it spent with the integrator, waiting on the customer, and
 * with each supplier (README "SLA clocks"). Pure. */
#ifndef KETEN_SLA_HELD_H
#define KETEN_SLA_HELD_H

#include <jansson.h>

#include "sla/calendar.h"
#include "sla/history.h"

/* From `at` on, the timeline names holder ("integrator", "customer",
 * "supplier:<key>", "suppliers", "nobody") as the one who holds it. */
struct kt_sla_holder_step {
	long long at;
	const char *holder;
};

/* A supplier leg: its supplier's key, when it opened, and its status
 * history (waits: on the customer or on another supplier). */
struct kt_sla_leg_time {
	const char *supplier;
	long long start;
	const struct kt_sla_history *h;
};

/* The business seconds of cal from start to end (the ticket's resolution,
 * or now) that the ticket spent: with the integrator (the spans the
 * timeline gives it to "integrator"), with the customer (its waits in
 * ticket), and with each supplier (its legs' open time, without their
 * waits and resolved spans; legs of one supplier add up; legs open at
 * once each count in full). Returns a new {"integrator": s, "customer":
 * s, "suppliers": {"<key>": s}}, NULL when out of memory. */
json_t *kt_sla_held(const struct kt_calendar *cal, long long start, long long end,
		    const struct kt_sla_history *ticket,
		    const struct kt_sla_holder_step *holders, size_t n_holders,
		    const struct kt_sla_leg_time *legs, size_t n_legs);

#endif
