/* calendar.c - business windows of a calendar (see sla/calendar.h): walks
 * local days in the calendar's zone, turns each day's service hours into
 * UTC instants (kt_tz_utc_of_local, so a DST day has 23 or 25 hours), and
 * cuts the pauses out of them. */
#include "sla/calendar.h"

static long long floor_div(long long a, long long b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

void kt_calendar_init_24x7(struct kt_calendar *cal, const struct kt_tz *tz)
{
	cal->tz = tz;
	cal->days = 0x7f;
	cal->from_min = 0;
	cal->to_min = 1440;
	cal->holidays = NULL;
	cal->n_holidays = 0;
}

static int is_holiday(const struct kt_calendar *cal, long long day)
{
	size_t lo = 0, hi = cal->n_holidays;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cal->holidays[mid] == day)
			return 1;
		if (cal->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int open_on(const struct kt_calendar *cal, long long day)
{
	int weekday = (int)(((day + 3) % 7 + 7) % 7);   /* 1970-01-01: Thursday */

	return (cal->days >> weekday & 1) && !is_holiday(cal, day);
}

int kt_calendar_window(const struct kt_calendar *cal, long long t,
		       long long *from, long long *to)
{
	long long day = floor_div(t + kt_tz_offset(cal->tz, t), 86400) - 1, last;

	if (cal->to_min <= cal->from_min || !(cal->days & 0x7f))
		return -1;
	for (last = day + KT_CAL_HORIZON_DAYS; day <= last; day++) {
		long long a, b;

		if (!open_on(cal, day))
			continue;
		a = kt_tz_utc_of_local(cal->tz, day * 86400 + cal->from_min * 60LL);
		b = kt_tz_utc_of_local(cal->tz, day * 86400 + cal->to_min * 60LL);
		if (b <= t || b <= a)
			continue;
		*from = a > t ? a : t;
		*to = b;
		return 0;
	}
	return -1;
}

/* The first business piece at or after t outside every pause. */
static int next_piece(const struct kt_calendar *cal, long long t,
		      const struct kt_pause *pauses, size_t n,
		      long long *from, long long *to)
{
	long long a, b;
	size_t i;
	int moved;

	for (;;) {
		if (kt_calendar_window(cal, t, &a, &b))
			return -1;
		do {
			moved = 0;
			for (i = 0; i < n && a < b; i++) {
				if (pauses[i].to <= a || pauses[i].from >= b)
					continue;
				if (pauses[i].from <= a) {
					a = pauses[i].to;
					moved = 1;
				} else {
					b = pauses[i].from;
				}
			}
		} while (moved && a < b);
		if (a < b) {
			*from = a;
			*to = b;
			return 0;
		}
		if (a >= KT_CAL_OPEN)
			return -1;
		t = a;
	}
}

long long kt_calendar_between(const struct kt_calendar *cal, long long from,
			      long long to, const struct kt_pause *pauses,
			      size_t n_pauses)
{
	long long sum = 0, a, b;

	while (from < to && next_piece(cal, from, pauses, n_pauses, &a, &b) == 0 &&
	       a < to) {
		sum += (b < to ? b : to) - a;
		from = b;
	}
	return sum;
}

int kt_calendar_add(const struct kt_calendar *cal, long long start,
		    long long seconds, const struct kt_pause *pauses,
		    size_t n_pauses, long long *due)
{
	long long left = seconds, t = start, a, b;

	while (left > 0) {
		if (next_piece(cal, t, pauses, n_pauses, &a, &b))
			return -1;
		if (b - a >= left) {
			*due = a + left;
			return 0;
		}
		left -= b - a;
		t = b;
	}
	*due = start;
	return 0;
}
