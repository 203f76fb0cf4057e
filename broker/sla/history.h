/* history.h - a clock's inputs from the status history of a ticket or a
 * leg: the spans it is paused (waiting statuses; and, for a resolution
 * clock, the span from a resolution to the reopen that undid it) and
 * when it stopped. Pure. */
#ifndef KETEN_SLA_HISTORY_H
#define KETEN_SLA_HISTORY_H

#include <stddef.h>

#include "keten/model.h"
#include "sla/calendar.h"

/* One status change: from `at` on, the status is `to`. */
struct kt_sla_step {
	long long at;
	enum kt_status to;
};

/* A bit per status (1u << KT_ST_...). */
#define KT_SLA_BIT(s) (1u << (s))
/* The statuses that stop a resolution clock: resolved, closed, cancelled. */
#define KT_SLA_STOPS (KT_SLA_BIT(KT_ST_RESOLVED) | KT_SLA_BIT(KT_ST_CLOSED) | \
		      KT_SLA_BIT(KT_ST_CANCELLED))

struct kt_sla_history {
	struct kt_pause *waits;     /* owned: spans in a waiting status */
	size_t n_waits;
	struct kt_pause *pauses;    /* owned: the waits and the spans from a
				     * stop to the reopen after it */
	size_t n_pauses;
	long long first_stop;       /* first entry into a stop status, or -1 */
	long long stop;             /* entry into the stop status it is in now,
				     * or -1 when it is not stopped */
	enum kt_status now;         /* the status after the last step */
};

/* Walks steps (in time order; a clock starts in status "new") with the
 * statuses of wait_mask as waits, into h (release with
 * kt_sla_history_release). A wait still going ends at KT_CAL_OPEN.
 * Returns 0, or -1 when out of memory (h then holds nothing). */
int kt_sla_history_eval(const struct kt_sla_step *steps, size_t n, unsigned wait_mask,
			struct kt_sla_history *h);

void kt_sla_history_release(struct kt_sla_history *h);

#endif
