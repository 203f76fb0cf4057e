/* breaker.h - the circuit breaker of one supplier in one broker process:
 * closed (calls go), open (no call for a while after too many failures in
 * a row), half-open (exactly one probe decides). A pure state machine: the
 * caller passes the monotonic clock in, so every sequence replays in a
 * unit test. */
#ifndef KETEN_BREAKER_H
#define KETEN_BREAKER_H

enum kt_breaker_state { KT_BREAKER_CLOSED, KT_BREAKER_OPEN, KT_BREAKER_HALF_OPEN };

struct kt_breaker_policy {
	int failures;          /* consecutive failures that open the circuit (>= 1) */
	long long open_ms;     /* the first open period */
	long long max_open_ms; /* each failed probe doubles the period, up to this */
};

struct kt_breaker {
	enum kt_breaker_state state;
	int failures;          /* consecutive failures while closed */
	long long until_ms;    /* open: when the period ends */
	long long period_ms;   /* open: the current period's length */
	long long opened_ms;   /* open: when the period began */
	int probing;           /* half-open: the probe is out */
};

/* What kt_breaker_allow decides for one call. */
enum kt_breaker_verdict {
	KT_BREAKER_PASS,   /* closed: send */
	KT_BREAKER_PROBE,  /* half-open: send, and report it with probe = 1 */
	KT_BREAKER_BLOCK,  /* not now */
};

/* A closed circuit with no failures. */
void kt_breaker_init(struct kt_breaker *b);

/* Moves an open circuit whose period ended at now_ms to half-open. Returns
 * the length of the open period that just ended (> 0), else 0. */
long long kt_breaker_poll(struct kt_breaker *b, long long now_ms);

/* Whether a call may go at now_ms (polls first). In half-open the first
 * caller gets KT_BREAKER_PROBE and everyone after it KT_BREAKER_BLOCK until
 * the probe is reported. */
enum kt_breaker_verdict kt_breaker_allow(struct kt_breaker *b, long long now_ms);

/* Gives back a probe that was not made (the broker failed before the
 * call): a half-open circuit lets the next caller probe. */
void kt_breaker_forget_probe(struct kt_breaker *b);

/* Whether kt_breaker_allow would block at now_ms without changing b. */
int kt_breaker_blocked(const struct kt_breaker *b, long long now_ms);

/* Reports a call's result: ok = 1 when the supplier answered (anything
 * but a failure of the supplier), 0 for a failure; probe as given by
 * kt_breaker_allow. A failure while closed counts toward opening; the
 * probe's result closes the circuit or opens it again for twice as long
 * (capped). Results of calls that started before the circuit opened
 * change nothing while it is open or half-open. Returns 1 when the state
 * changed. */
int kt_breaker_record(struct kt_breaker *b, const struct kt_breaker_policy *p,
		      int probe, int ok, long long now_ms);

const char *kt_breaker_state_name(enum kt_breaker_state state);

#endif
