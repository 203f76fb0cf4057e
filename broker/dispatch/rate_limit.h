/* rate_limit.h - a supplier's own rate-limit header, as its mapping names
 * it (`"rate_limit": {"reset_header", "format": "epoch"|"delta"|"date"}`),
 * read into a wait when its answer to a call carries no Retry-After: the
 * supplier gate then pauses as it does for a Retry-After. */
#ifndef KETEN_DISPATCH_RATE_LIMIT_H
#define KETEN_DISPATCH_RATE_LIMIT_H

#include <jansson.h>

#include "keten/adapter.h"

/* The wait in seconds that a's reset header says, now_s being the wall
 * clock: for "epoch" Unix seconds, "delta" seconds from now, "date" an
 * RFC 3339 / ISO 8601 date-time or an HTTP date. 0 with *wait_s set, -1
 * when the mapping names no header, the answer lacks it or it cannot be
 * read. A time in the past is a wait of 0. */
int kt_rate_limit_wait(const json_t *mapping, const struct kt_answer *a, long long now_s,
		       long long *wait_s);

#endif
