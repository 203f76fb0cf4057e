/* report.h - the ITIL figures of a service report, pure: downtime as the
 * union of outage intervals clipped to the period and to the SLA's service
 * hours, service breaks, availability, MTRS, MTBF and MTBSI; shares of
 * clocks met per ticket type and priority; a rate of two counts. The
 * rules and the no-breaks convention: README "SLA and reports". */
#ifndef KETEN_SLA_REPORT_H
#define KETEN_SLA_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "sla/calendar.h"

/* An outage interval [from, to) in Unix seconds. */
struct kt_span {
	long long from;
	long long to;
};

struct kt_report_avail {
	long long agreed_s;    /* business seconds of the calendar in the period */
	long long downtime_s;  /* business seconds of the merged outages */
	size_t breaks;         /* merged outages with downtime in service hours */
};

/* Clips spans to [from, to), sorts and merges the ones that overlap or
 * touch (spans is reordered and rewritten in place), and counts in cal:
 * the agreed service time of the period, the downtime (business seconds
 * of the merged spans) and the breaks (each merged span with downtime
 * above 0; one wholly outside service hours is none). */
void kt_report_availability(const struct kt_calendar *cal, long long from, long long to,
			    struct kt_span *spans, size_t n, struct kt_report_avail *out);

/* The figures of a as a new object: agreed_service_s, downtime_s, breaks,
 * availability_pct ((agreed - downtime) / agreed x 100; null when nothing
 * was agreed), mtrs_s (downtime / breaks), mtbf_s ((agreed - downtime) /
 * breaks), mtbsi_s (agreed / breaks): seconds rounded to the nearest,
 * null without breaks; and, when target_pct > 0, availability_target_pct
 * and target_met. NULL when out of memory. */
json_t *kt_report_itil(const struct kt_report_avail *a, double target_pct);

/* 100 x part / whole as a new real rounded to 0.01, or null when whole is
 * 0. NULL when out of memory. */
json_t *kt_report_pct(long long part, long long whole);

/* SLA compliance from rows [{type, priority, tickets, response_met,
 * response_breached, response_running, resolution_met, ...}] (one per
 * type and priority): a new {"all": totals, "<type>": {"p<N>": {tickets,
 * response: {met, breached, running, met_pct}, resolution: {...}},
 * "all": totals of the type}}; met_pct is the share met of the clocks
 * decided (met or breached). NULL when out of memory. */
json_t *kt_report_compliance(const json_t *rows);

#endif
