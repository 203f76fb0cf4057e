/* poll_plan.h - the arithmetic of polling, as pure functions: a
 * supplier's poll settings with their defaults, the since of a pass (the
 * cursor less the overlap window), the time format polls are asked in,
 * and when a failed feed is polled again (backoff from its interval,
 * capped, with jitter; at least the supplier's Retry-After). The clock
 * and the random source are the caller's (dispatch/retry.h). */
#ifndef KETEN_DISPATCH_POLL_PLAN_H
#define KETEN_DISPATCH_POLL_PLAN_H

#include <jansson.h>

#include "dispatch/retry.h"

#define KT_POLL_OVERLAP_MS 60000   /* poll.overlap_ms when the chain gives none */
#define KT_POLL_PAGE_SIZE 100      /* poll.page_size when the chain gives none */

/* A supplier's polling, from its chain entry's "poll". */
struct kt_poll_settings {
	long long interval_ms;     /* a pass every interval_ms */
	long long overlap_ms;      /* each pass reads back this far before the cursor */
	long long page_size;       /* updates asked for per page */
};

/* poll's members, the defaults for those it lacks (poll was checked at
 * import: interval_ms is there; a missing or broken one reads as 0). */
void kt_poll_settings_of(const json_t *poll, struct kt_poll_settings *out);

/* The since of a new pass in Unix ms: the cursor less the overlap, or,
 * before the first complete pass (has_cursor 0), now less the overlap.
 * Never below 0. */
long long kt_poll_since_ms(int has_cursor, long long cursor_ms, long long now_ms,
			   long long overlap_ms);

/* Characters of an RFC 3339 UTC time to the second: "2026-12-05T17:00:12Z". */
#define KT_POLL_TIME_LEN 20

/* ms (Unix, >= 0) as such a time, rounded down to the second (earlier is
 * safe for a since), into out. Returns out. */
char *kt_poll_time(long long ms, char out[KT_POLL_TIME_LEN + 1]);

/* When a feed whose pass failed `failures` times in a row (this one
 * included) is polled again: interval_ms plus a full-jitter backoff
 * (kt_retry_delay_ms from interval_ms, doubling per failure), never more
 * than cap_ms in all unless interval_ms itself is longer (never less than
 * interval_ms: a failing supplier is not polled more often than a healthy
 * one). */
long long kt_poll_backoff_ms(long long interval_ms, int failures, long long cap_ms,
			     kt_rand_fn *rand_fn, void *rand_arg);

/* The delay of a feed after a page answered http_status with retry_after
 * (NULL: none): the backoff, but at least the Retry-After of a 429 or 503
 * (capped at cap_ms, read against now_s). *pause_ms gets that Retry-After
 * (the supplier's gate closes that long), 0 when there is none. */
long long kt_poll_retry_ms(long long backoff_ms, long http_status, const char *retry_after,
			   long long now_s, long long cap_ms, long long *pause_ms);

#endif
