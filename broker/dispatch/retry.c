/* retry.c - the retry schedule of supplier calls (see retry.h): backoff
 * with full jitter, Retry-After in both of its forms, and the budget. No
 * clock, no randomness and no state of its own. */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "base/civil_time.h"
#include "dispatch/retry.h"

#define MAX_DELTA_S (LLONG_MAX / 1000)

long long kt_retry_delay_ms(const struct kt_retry_policy *p, int attempt,
			    kt_rand_fn *rand_fn, void *rand_arg)
{
	long long ceiling = p->base_ms;

	if (ceiling <= 0 || p->cap_ms <= 0)
		return 0;
	for (int i = 0; i < attempt && ceiling < p->cap_ms; i++)
		ceiling = ceiling > LLONG_MAX / 2 ? LLONG_MAX : ceiling * 2;
	if (ceiling > p->cap_ms)
		ceiling = p->cap_ms;
	return (long long)(rand_fn(rand_arg) % ((uint64_t)ceiling + 1));
}

static const char *const day_names[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strncmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT", exactly (RFC 9110 5.6.7). */
static int parse_imf_fixdate(const char *s, size_t len, long long *out)
{
	int day, month, year, hour, min, sec;

	if (len != 29 || name_index(s, day_names, 7) < 0 || strncmp(s + 3, ", ", 2) != 0 ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    strncmp(s + 25, " GMT", 4) != 0)
		return KT_ERR;
	day = kt_civil_digits(s + 5, 2);
	month = name_index(s + 8, month_names, 12);
	year = kt_civil_digits(s + 12, 4);
	hour = kt_civil_digits(s + 17, 2);
	min = kt_civil_digits(s + 20, 2);
	sec = kt_civil_digits(s + 23, 2);
	if (day < 1 || month < 0 || year < 0 || hour < 0 || hour > 23 || min < 0 ||
	    min > 59 || sec < 0 || sec > 60 || day > kt_civil_days_in_month(month, year))
		return KT_ERR;
	*out = kt_civil_days(year, month + 1, day) * 86400 + hour * 3600LL + min * 60LL + sec;
	return KT_OK;
}

int kt_retry_after_parse(const char *value, long long now_s, long long *delay_ms)
{
	const char *s = value, *e;
	long long secs = 0;
	size_t len;

	if (!value)
		return KT_ERR;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	len = (size_t)(e - s);
	if (len == 0)
		return KT_ERR;
	if (isdigit((unsigned char)*s)) {
		for (const char *c = s; c < e; c++) {
			if (!isdigit((unsigned char)*c))
				return KT_ERR;
			secs = secs > (MAX_DELTA_S - 9) / 10 ? MAX_DELTA_S : secs * 10 + (*c - '0');
		}
	} else {
		long long at;

		if (parse_imf_fixdate(s, len, &at) != KT_OK)
			return KT_ERR;
		secs = at > now_s ? at - now_s : 0;
		if (secs > MAX_DELTA_S)
			secs = MAX_DELTA_S;
	}
	*delay_ms = secs * 1000;
	return KT_OK;
}

void kt_retry_plan(const struct kt_retry_policy *p, const struct kt_retry_answer *a,
		   long long now_s, kt_rand_fn *rand_fn, void *rand_arg,
		   struct kt_retry_plan *out)
{
	long long after;

	memset(out, 0, sizeof(*out));
	if (a->used_ms >= p->budget_ms) {
		out->give_up = 1;
		return;
	}
	out->delay_ms = kt_retry_delay_ms(p, a->attempt - 1, rand_fn, rand_arg);
	/* The last try comes when the budget ends, not up to cap_ms later. */
	if (out->delay_ms > p->budget_ms - a->used_ms)
		out->delay_ms = p->budget_ms - a->used_ms;
	if ((a->http_status != 429 && a->http_status != 503) ||
	    kt_retry_after_parse(a->retry_after, now_s, &after) != KT_OK)
		return;
	out->pause_ms = after < p->cap_ms ? after : p->cap_ms;
	if (out->delay_ms < out->pause_ms)
		out->delay_ms = out->pause_ms;
	if (a->http_status == 429)
		out->credit_ms = out->pause_ms;
}
