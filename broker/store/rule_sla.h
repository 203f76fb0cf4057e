/* rule_sla.h - the SLA clocks kept on a ticket and its supplier legs
 * (migration 019), recomputed from the timeline where a state changes.
 * A rule file: spans tickets, legs, events, chain versions, components and
 * suppliers; runs inside the caller's transaction; calls only the database
 * layer and the pure clocks of broker/sla/. */
#ifndef KETEN_STORE_RULE_SLA_H
#define KETEN_STORE_RULE_SLA_H

#include "store/store.h"

/* A clock pair's columns (a and b: their prefixes, e.g. "sla_response",
 * "sla_resolution"), their values from a record k of the JSON
 * kt_store_sla_clocks gives, and that record's type: for the statements
 * that store clocks. */
#define KT_STORE_SLA_COLS(a, b) \
	a "_min, " a "_due, " a "_warn, " a "_at, " a "_met, " b "_min, " b "_due, " \
	b "_warn, " b "_at, " b "_met, sla_paused"
#define KT_STORE_SLA_VALUES \
	"k.min1, to_timestamp(k.due1), to_timestamp(k.warn1), to_timestamp(k.at1), k.met1," \
	" k.min2, to_timestamp(k.due2), to_timestamp(k.warn2), to_timestamp(k.at2), k.met2," \
	" coalesce(k.paused, false)"
#define KT_STORE_SLA_RECORD \
	"min1 integer, due1 bigint, warn1 bigint, at1 bigint, met1 boolean, min2 integer," \
	" due2 bigint, warn2 bigint, at2 bigint, met2 boolean, paused boolean"

/* Recomputes every clock of ticket ticket_id at the database's now(),
 * from scratch: the response and resolution clocks against the SLA of
 * the ticket's chain version (start: created_at; stop: the first
 * "acknowledged" event, or the first resolution, for response; the
 * resolution it is in now for resolution; paused while pending_customer,
 * and the resolution clock from a resolution to the reopen after it;
 * targets of the ticket's current priority, counted from the start), and
 * each supplier leg's acknowledge and resolve clocks against the contract
 * of its component (kept on the leg from the first refresh on), paused
 * while the leg waits on the customer or another supplier. Two
 * statements. A calendar whose zone this machine lacks leaves the clocks
 * as they were and logs a warning: a status change never fails for it.
 * The caller holds the ticket (kt_store_ticket_lock, or its insert). */
int kt_store_sla_refresh(struct kt_db *db, const char *ticket_id, struct kt_err *err);

/* The two clocks of a ticket (contract 0: agreement is the SLA, response
 * and resolution) or of a leg (contract 1: its contract, acknowledge and
 * resolve), started at start, acknowledged at ack (-1: not yet), with the
 * status steps steps ('[[epoch, status], ...]', NULL: none), at now; as
 * the statements that store them read them: a new object {"min1",
 * "due1", "warn1", "at1", "met1", "min2", ..., "paused"} (epoch
 * seconds, null where unset). agreement NULL: no targets. NULL when the
 * agreement's zone cannot be read (*skip set, a warning logged) or out
 * of memory. */
json_t *kt_store_sla_clocks(const json_t *agreement, int contract, int priority,
			    long long start, long long ack, const char *steps,
			    long long now, int *skip);

#endif
