/* agreement.h - an agreement of the chain document (a service's SLA or a
 * supplier's contract) as clocks: its calendar (service hours in its time
 * zone, holidays) and its per-priority targets, and the two clocks it
 * sets on a ticket or a leg (response and resolution; acknowledge and
 * resolve) from their history against an injected now. */
#ifndef KETEN_SLA_AGREEMENT_H
#define KETEN_SLA_AGREEMENT_H

#include <jansson.h>

#include "keten/err.h"
#include "sla/calendar.h"
#include "sla/history.h"
#include "sla/tzif.h"

struct kt_sla_agreement {
	struct kt_tz tz;
	long long *holidays;         /* owned, ascending */
	struct kt_calendar cal;      /* points into this struct */
	json_t *targets;             /* a reference, or NULL */
	int warning_pct;             /* share of a target that warns, 1..99 */
};

/* The warning share when the agreement names none. */
#define KT_SLA_WARNING_PCT 75

/* Fills a (which must not move afterwards: cal points into it) from obj,
 * an "sla" or a contract object of a checked chain document (NULL: 24x7
 * in UTC without targets; warning_pct absent: KT_SLA_WARNING_PCT); the zone is read from the system's tz database
 * (sla/tzif.h). Release with kt_sla_agreement_release. Fails with
 * invalid "unknown_time_zone" / "bad_time_zone", or internal. */
int kt_sla_agreement_init(struct kt_sla_agreement *a, const json_t *obj,
			  struct kt_err *err);

void kt_sla_agreement_release(struct kt_sla_agreement *a);

/* The target in minutes of priority (1..5) for member ("response_min",
 * "resolution_min", "acknowledge_min", "resolve_min"), or 0 for none. */
long long kt_sla_agreement_target(const struct kt_sla_agreement *a, int priority,
				  const char *member);

/* One clock as stored: no target (has 0), or its target, due time (-1
 * while a pause holds it), the instant its warning share of the target
 * is used (-1 likewise), stop time (-1 while running), verdict (met 1 or
 * 0 once stopped, -1 while running) and whether it is paused at now. */
struct kt_sla_result {
	int has;
	long long target_min;
	long long due;
	long long warn;
	long long stopped;
	int met;
	int paused;
};

/* The two clocks of a, for priority, started at start: out[0] (member
 * first, e.g. "response_min") stops at the first acknowledgement ack_at
 * (-1: none yet) or the first stop of h, whichever is earlier, and is
 * paused by h's waits; out[1] (member second) stops where h is stopped
 * now and is paused by all of h's pauses (waits, and resolved spans that
 * a reopen ended). */
void kt_sla_agreement_clocks(const struct kt_sla_agreement *a, int priority,
			     const char *first, const char *second, long long start,
			     long long ack_at, const struct kt_sla_history *h,
			     long long now, struct kt_sla_result out[2]);

#endif
