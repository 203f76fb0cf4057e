/* retry.h - when a failed supplier call is tried again: exponential backoff
 * with full jitter, the Retry-After header, and the retry budget. Pure
 * functions: the clock and the random source are the caller's, so every
 * schedule can be replayed in a unit test. */
#ifndef KETEN_RETRY_H
#define KETEN_RETRY_H

#include <stdint.h>

#include "keten/err.h"

/* A source of uniformly distributed 64-bit values. */
typedef uint64_t kt_rand_fn(void *arg);

struct kt_retry_policy {
	long long base_ms;    /* ceiling of the first retry's delay */
	long long cap_ms;     /* no delay, Retry-After included, exceeds this */
	long long budget_ms;  /* give up once this much time was used */
};

/* What a failed attempt left us. */
struct kt_retry_answer {
	int attempt;              /* 1 for the first attempt */
	long long used_ms;        /* budget used, this attempt included */
	long http_status;         /* 0 when no answer came */
	const char *retry_after;  /* the answer's Retry-After value, or NULL */
};

struct kt_retry_plan {
	int give_up;          /* the budget is spent: dead letter */
	long long delay_ms;   /* the next attempt in (unless give_up) */
	long long pause_ms;   /* the supplier's gate closes this long; 0: open */
	long long credit_ms;  /* wait not charged to the budget (a 429's pause) */
};

/* Full jitter: a value drawn from rand_fn in [0, min(cap, base * 2^attempt)]
 * (attempt counts from 0; negative counts as 0). Never overflows; 0 when
 * base_ms <= 0. The modulo bias is below 1e-10 for any ceiling a day long. */
long long kt_retry_delay_ms(const struct kt_retry_policy *p, int attempt,
			    kt_rand_fn *rand_fn, void *rand_arg);

/* Parses a Retry-After value (RFC 9110 10.2.3): delta-seconds, or an
 * IMF-fixdate such as "Sun, 06 Nov 1994 08:49:37 GMT" read against now_s
 * (Unix seconds). Surrounding blanks are allowed. A date in the past gives
 * 0. Sets *delay_ms and returns KT_OK, or returns KT_ERR for anything else
 * (the obsolete RFC 850 and asctime dates included). Very large values
 * saturate at LLONG_MAX / 1000 seconds. */
int kt_retry_after_parse(const char *value, long long now_s, long long *delay_ms);

/* Decides what follows the failed attempt a, now_s being the wall clock
 * (for an HTTP-date Retry-After):
 * - a->used_ms >= budget: give up;
 * - else the next attempt in kt_retry_delay_ms(attempt - 1), but no later
 *   than when the budget ends (that attempt is the last one);
 * - a 429 or 503 with a valid Retry-After also closes the supplier's gate
 *   for that long (capped at cap_ms) and the attempt waits at least as
 *   long; a 429's pause is credited back to the budget (the supplier is up
 *   and asks us to slow down; a 503 says it is not, which counts). */
void kt_retry_plan(const struct kt_retry_policy *p, const struct kt_retry_answer *a,
		   long long now_s, kt_rand_fn *rand_fn, void *rand_arg,
		   struct kt_retry_plan *out);

#endif
