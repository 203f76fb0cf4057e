/* rate_limit.c - a supplier's rate-limit reset header (see
 * dispatch/rate_limit.h). */
#include <stdlib.h>
#include <string.h>

#include "base/civil_time.h"
#include "dispatch/rate_limit.h"
#include "dispatch/retry.h"

/* A whole number of seconds, the whole of s; -1 otherwise. */
static int whole_seconds(const char *s, long long *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

int kt_rate_limit_wait(const json_t *mapping, const struct kt_answer *a, long long now_s,
		       long long *wait_s)
{
	const json_t *rl = json_object_get(mapping, "rate_limit");
	const char *header = json_string_value(json_object_get(rl, "reset_header"));
	const char *format = json_string_value(json_object_get(rl, "format"));
	const char *value = header ? kt_answer_header(a, header) : NULL;
	long long v, ms;

	if (!value || !format)
		return -1;
	if (strcmp(format, "delta") == 0) {
		if (whole_seconds(value, &v))
			return -1;
	} else if (strcmp(format, "epoch") == 0) {
		if (whole_seconds(value, &v))
			return -1;
		v -= now_s;
	} else if (strcmp(format, "date") == 0) {
		if (kt_time_parse(value, &v) == 0)
			v -= now_s;
		else if (kt_retry_after_parse(value, now_s, &ms) == 0 && (*value < '0' || *value > '9'))
			v = ms / 1000;
		else
			return -1;
	} else {
		return -1;
	}
	*wait_s = v > 0 ? v : 0;
	return 0;
}
