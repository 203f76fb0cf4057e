/* clock.h - the broker's one clock: monotonic time for durations and
 * pacing, wall time for timestamps others read (logs, signatures, retry
 * plans). Thread-safe; no state. */
#ifndef KETEN_CLOCK_H
#define KETEN_CLOCK_H

/* Characters of an ISO 8601 UTC time with milliseconds, without the NUL:
 * "2026-12-05T17:00:12.345Z". */
#define KT_CLOCK_ISO_LEN 24

/* Monotonic milliseconds / microseconds since an arbitrary start; only
 * differences mean something. */
long long kt_clock_mono_ms(void);
long long kt_clock_mono_us(void);

/* Wall-clock Unix seconds. */
long long kt_clock_wall_s(void);

/* Now, as an ISO 8601 UTC time with milliseconds, into out
 * (KT_CLOCK_ISO_LEN + 1 bytes). Returns out. */
char *kt_clock_wall_iso(char out[KT_CLOCK_ISO_LEN + 1]);

#endif
