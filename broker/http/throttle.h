/* throttle.h - token buckets of API callers (issue 14): one per API key
 * and one per client address, in this process only. With N nodes behind
 * a balancer a caller gets up to N times a bucket's rate (configure
 * limit/N per node for a strict total). Not the outbound limits of the
 * suppliers' answers (dispatch/rate_limit.h). */
#ifndef KETEN_HTTP_THROTTLE_H
#define KETEN_HTTP_THROTTLE_H

#include <stddef.h>

struct kt_throttle;

/* A bucket's refill (tokens a second; 0: no limit) and size. */
struct kt_rate {
	int per_s;
	int burst;
};

/* A table of at most sets x 8 buckets (bounded memory: when a set is
 * full, the bucket nearest to full is reused, which forgets the least).
 * NULL out of memory. */
struct kt_throttle *kt_throttle_new(size_t sets);

/* Takes one token from the bucket of name (a key id or an address, cut
 * to 63 bytes) at rate, refilled up to now_ms (monotonic); a new bucket
 * starts full. 0 when admitted, else the whole seconds (>= 1) until a
 * token is there; nothing is taken then. Thread-safe. */
int kt_throttle_take(struct kt_throttle *t, const char *name, struct kt_rate rate,
		     long long now_ms);

/* 0 when name's bucket holds a token (without taking it), else the
 * seconds until it does, as kt_throttle_take. */
int kt_throttle_peek(struct kt_throttle *t, const char *name, struct kt_rate rate,
		     long long now_ms);

/* Frees t; accepts NULL. */
void kt_throttle_free(struct kt_throttle *t);

#endif
