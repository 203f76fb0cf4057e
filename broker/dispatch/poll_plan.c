/* poll_plan.c - settings, since, time format and backoff of polling (see
 * dispatch/poll_plan.h). No clock, no randomness and no state of its own. */
#include <stdio.h>
#include <time.h>

#include "dispatch/poll_plan.h"

static long long member(const json_t *poll, const char *name, long long dflt)
{
	json_t *v = json_object_get(poll, name);

	return v ? (json_is_integer(v) ? json_integer_value(v) : 0) : dflt;
}

void kt_poll_settings_of(const json_t *poll, struct kt_poll_settings *out)
{
	out->interval_ms = member(poll, "interval_ms", 0);
	out->overlap_ms = member(poll, "overlap_ms", KT_POLL_OVERLAP_MS);
	out->page_size = member(poll, "page_size", KT_POLL_PAGE_SIZE);
}

long long kt_poll_since_ms(int has_cursor, long long cursor_ms, long long now_ms,
			   long long overlap_ms)
{
	long long since = (has_cursor ? cursor_ms : now_ms) - overlap_ms;

	return since > 0 ? since : 0;
}

char *kt_poll_time(long long ms, char out[KT_POLL_TIME_LEN + 1])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&s, &tm) ||
	    strftime(out, KT_POLL_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != KT_POLL_TIME_LEN)
		snprintf(out, KT_POLL_TIME_LEN + 1, "1970-01-01T00:00:00Z");
	return out;
}

long long kt_poll_backoff_ms(long long interval_ms, int failures, long long cap_ms,
			     kt_rand_fn *rand_fn, void *rand_arg)
{
	const struct kt_retry_policy p = { .base_ms = interval_ms, .cap_ms = cap_ms - interval_ms };

	if (cap_ms <= interval_ms)
		return interval_ms;
	return interval_ms + kt_retry_delay_ms(&p, failures - 1, rand_fn, rand_arg);
}

long long kt_poll_retry_ms(long long backoff_ms, long http_status, const char *retry_after,
			   long long now_s, long long cap_ms, long long *pause_ms)
{
	long long wait;

	*pause_ms = 0;
	if ((http_status != 429 && http_status != 503) || !retry_after ||
	    kt_retry_after_parse(retry_after, now_s, &wait) != KT_OK)
		return backoff_ms;
	*pause_ms = wait < cap_ms ? wait : cap_ms;
	return *pause_ms > backoff_ms ? *pause_ms : backoff_ms;
}
