/* breaker.c - the per-supplier circuit breaker (see breaker.h): closed,
 * open and half-open, driven by the caller's clock. No I/O, no globals. */
#include <string.h>

#include "dispatch/breaker.h"

static const char *const state_names[] = { "closed", "open", "half_open" };

const char *kt_breaker_state_name(enum kt_breaker_state state)
{
	return state_names[state];
}

void kt_breaker_init(struct kt_breaker *b)
{
	memset(b, 0, sizeof(*b));
	b->state = KT_BREAKER_CLOSED;
}

long long kt_breaker_poll(struct kt_breaker *b, long long now_ms)
{
	if (b->state != KT_BREAKER_OPEN || now_ms < b->until_ms)
		return 0;
	b->state = KT_BREAKER_HALF_OPEN;
	b->probing = 0;
	return now_ms - b->opened_ms > 0 ? now_ms - b->opened_ms : 1;
}

int kt_breaker_blocked(const struct kt_breaker *b, long long now_ms)
{
	if (b->state == KT_BREAKER_OPEN)
		return now_ms < b->until_ms;
	return b->state == KT_BREAKER_HALF_OPEN && b->probing;
}

enum kt_breaker_verdict kt_breaker_allow(struct kt_breaker *b, long long now_ms)
{
	kt_breaker_poll(b, now_ms);
	switch (b->state) {
	case KT_BREAKER_CLOSED:
		return KT_BREAKER_PASS;
	case KT_BREAKER_HALF_OPEN:
		if (b->probing)
			return KT_BREAKER_BLOCK;
		b->probing = 1;
		return KT_BREAKER_PROBE;
	default:
		return KT_BREAKER_BLOCK;
	}
}

void kt_breaker_forget_probe(struct kt_breaker *b)
{
	if (b->state == KT_BREAKER_HALF_OPEN)
		b->probing = 0;
}

static void open_for(struct kt_breaker *b, long long period_ms, long long now_ms)
{
	b->state = KT_BREAKER_OPEN;
	b->period_ms = period_ms;
	b->opened_ms = now_ms;
	b->until_ms = now_ms + period_ms;
	b->probing = 0;
	b->failures = 0;
}

int kt_breaker_record(struct kt_breaker *b, const struct kt_breaker_policy *p,
		      int probe, int ok, long long now_ms)
{
	long long next;

	if (b->state == KT_BREAKER_CLOSED) {
		if (ok) {
			b->failures = 0;
			return 0;
		}
		if (++b->failures < p->failures)
			return 0;
		open_for(b, p->open_ms, now_ms);
		return 1;
	}
	if (b->state != KT_BREAKER_HALF_OPEN || !probe || !b->probing)
		return 0;
	if (ok) {
		kt_breaker_init(b);
		return 1;
	}
	next = b->period_ms > p->max_open_ms / 2 ? p->max_open_ms : b->period_ms * 2;
	if (next < p->open_ms)
		next = p->open_ms;
	open_for(b, next, now_ms);
	return 1;
}
