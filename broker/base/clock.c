/* clock.c - monotonic and wall time (see base/clock.h): the only callers
 * of clock_gettime in the broker outside dispatch/ and store/. */
#include <stdio.h>
#include <time.h>

#include "base/clock.h"

static struct timespec now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts;
}

long long kt_clock_mono_ms(void)
{
	struct timespec ts = now(CLOCK_MONOTONIC);

	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long kt_clock_mono_us(void)
{
	struct timespec ts = now(CLOCK_MONOTONIC);

	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long kt_clock_wall_s(void)
{
	return (long long)now(CLOCK_REALTIME).tv_sec;
}

char *kt_clock_wall_iso(char out[KT_CLOCK_ISO_LEN + 1])
{
	struct timespec ts = now(CLOCK_REALTIME);
	struct tm tm;

	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, KT_CLOCK_ISO_LEN + 1, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, KT_CLOCK_ISO_LEN + 1 - 19, ".%03uZ",
		 (unsigned)(ts.tv_nsec / 1000000) % 1000u);
	return out;
}
