/* clock.h - one SLA clock (a ticket's response or resolution, a leg's
 * acknowledge or resolve) from its history, against an injected now:
 * the due time, the business time used, and whether it was met. The rules
 * (README "SLA clocks"): the clock runs in its calendar's business time
 * from its start, not during its pauses; a priority change re-plans from
 * the start with the new target (time already used counts against it); a
 * reopen resumes the resolution clock: the span from resolution to reopen
 * is a pause. Pure. */
#ifndef KETEN_SLA_CLOCK_H
#define KETEN_SLA_CLOCK_H

#include "sla/calendar.h"

enum kt_sla_state {
	KT_SLA_RUNNING,    /* not stopped, not yet due */
	KT_SLA_PAUSED,     /* not stopped, inside a pause at now */
	KT_SLA_MET,        /* stopped at or before its due time */
	KT_SLA_BREACHED,   /* stopped after its due time, or due and running */
};

struct kt_sla_clock_in {
	const struct kt_calendar *cal;
	long long start;                /* when the clock started */
	long long target_s;             /* business seconds allowed, > 0 */
	const struct kt_pause *pauses;  /* borrowed; may be NULL when none */
	size_t n_pauses;
	long long stop;                 /* when it stopped, or -1: running */
	long long now;
};

struct kt_sla_clock_out {
	long long due;                  /* Unix seconds, or -1: none in reach */
	long long used_s;               /* business seconds from start to stop or now */
	enum kt_sla_state state;
};

/* Evaluates one clock. Always succeeds; a due time out of reach (a pause
 * that has not ended) gives due -1, and the clock cannot be breached
 * until it has one. */
void kt_sla_clock_eval(const struct kt_sla_clock_in *in, struct kt_sla_clock_out *out);

/* The state's stable name: "running", "paused", "met", "breached". */
const char *kt_sla_state_name(enum kt_sla_state s);

#endif
