/* calendar.h - business time: a calendar is a time zone, weekly service
 * hours (the same hours on chosen days, or all day every day) and holiday
 * dates. Pure functions of their arguments (the caller injects "now" as an
 * argument where it matters): business seconds between two instants, and
 * the instant N business seconds after a start, both skipping pauses. */
#ifndef KETEN_SLA_CALENDAR_H
#define KETEN_SLA_CALENDAR_H

#include <stddef.h>

#include "sla/tzif.h"

/* How far ahead a due time is searched, in local days: a target that
 * the calendar cannot reach within it has no due time. */
#define KT_CAL_HORIZON_DAYS (366 * 12)

/* A paused span [from, to) in Unix seconds; to = KT_CAL_OPEN while it
 * lasts. */
#define KT_CAL_OPEN (1LL << 40)
struct kt_pause {
	long long from;
	long long to;
};

struct kt_calendar {
	const struct kt_tz *tz;     /* borrowed; local dates and hours are in it */
	unsigned days;              /* bit 0 Monday .. bit 6 Sunday */
	int from_min;               /* service hours each day: [from_min, to_min) */
	int to_min;                 /* 1..1440, later than from_min */
	const long long *holidays;  /* borrowed: local dates as days since
				     * 1970-01-01, ascending; no hours then */
	size_t n_holidays;
};

/* Fills cal as 24x7 in tz (all days, 00:00-24:00, no holidays). */
void kt_calendar_init_24x7(struct kt_calendar *cal, const struct kt_tz *tz);

/* The business window of cal containing t, or the first one after it,
 * clipped to start at t at the earliest: [*from, *to). Windows of
 * consecutive days may touch. Returns 0, or -1 when none begins within
 * KT_CAL_HORIZON_DAYS. */
int kt_calendar_window(const struct kt_calendar *cal, long long t,
		       long long *from, long long *to);

/* Business seconds of cal in [from, to) outside every pause (pauses in
 * any order, they may overlap). 0 when to <= from. */
long long kt_calendar_between(const struct kt_calendar *cal, long long from,
			      long long to, const struct kt_pause *pauses,
			      size_t n_pauses);

/* The first instant t >= start at which kt_calendar_between(cal, start, t,
 * pauses) reaches seconds (start itself for 0). Returns 0 and sets *due,
 * or -1 when it is not reached within the horizon (a pause that has not
 * ended, or a calendar without hours). */
int kt_calendar_add(const struct kt_calendar *cal, long long start,
		    long long seconds, const struct kt_pause *pauses,
		    size_t n_pauses, long long *due);

#endif
