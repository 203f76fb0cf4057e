/* report.c - downtime, breaks and the ITIL figures of a period, and SLA
 * compliance per ticket type and priority (see sla/report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sla/report.h"

static int cmp_span(const void *a, const void *b)
{
	const struct kt_span *x = a, *y = b;

	if (x->from != y->from)
		return (x->from > y->from) - (x->from < y->from);
	return (x->to > y->to) - (x->to < y->to);
}

void kt_report_availability(const struct kt_calendar *cal, long long from, long long to,
			    struct kt_span *spans, size_t n, struct kt_report_avail *out)
{
	size_t i, m = 0;

	out->agreed_s = kt_calendar_between(cal, from, to, NULL, 0);
	out->downtime_s = 0;
	out->breaks = 0;
	for (i = 0; i < n; i++) {
		struct kt_span s = spans[i];

		s.from = s.from < from ? from : s.from;
		s.to = s.to > to ? to : s.to;
		if (s.to > s.from)
			spans[m++] = s;
	}
	if (m > 1)
		qsort(spans, m, sizeof(*spans), cmp_span);
	for (i = 0; i < m;) {
		struct kt_span merged = spans[i];
		long long down;

		for (i++; i < m && spans[i].from <= merged.to; i++)
			if (spans[i].to > merged.to)
				merged.to = spans[i].to;
		down = kt_calendar_between(cal, merged.from, merged.to, NULL, 0);
		out->downtime_s += down;
		out->breaks += down > 0;
	}
}

/* x (>= 0) rounded to the nearest whole number, halves up. */
static long long nearest(double x)
{
	return (long long)(x + 0.5);
}

static json_t *rounded(double x)
{
	return json_integer((json_int_t)nearest(x));
}

json_t *kt_report_pct(long long part, long long whole)
{
	if (whole == 0)
		return json_null();
	return json_real((double)nearest(10000.0 * (double)part / (double)whole) / 100.0);
}

json_t *kt_report_itil(const struct kt_report_avail *a, double target_pct)
{
	double breaks = (double)a->breaks, up = (double)(a->agreed_s - a->downtime_s);
	json_t *o = json_pack("{s:I, s:I, s:I}", "agreed_service_s", (json_int_t)a->agreed_s,
			      "downtime_s", (json_int_t)a->downtime_s,
			      "breaks", (json_int_t)a->breaks);
	int bad;

	if (!o)
		return NULL;
	bad = json_object_set_new(o, "availability_pct",
				  kt_report_pct(a->agreed_s - a->downtime_s, a->agreed_s));
	bad |= json_object_set_new(o, "mtrs_s", a->breaks ?
				   rounded((double)a->downtime_s / breaks) : json_null());
	bad |= json_object_set_new(o, "mtbf_s", a->breaks ? rounded(up / breaks) : json_null());
	bad |= json_object_set_new(o, "mtbsi_s", a->breaks ?
				   rounded((double)a->agreed_s / breaks) : json_null());
	if (target_pct > 0) {
		bad |= json_object_set_new(o, "availability_target_pct", json_real(target_pct));
		bad |= json_object_set_new(o, "target_met", a->agreed_s == 0 ? json_null() :
					   json_boolean(100.0 * up / (double)a->agreed_s >=
							target_pct));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The counts of one clock in a row, and in a total. */
static const char *const clocks[] = { "response", "resolution" };
static const char *const counts[] = { "met", "breached", "running" };

static long long row_count(const json_t *row, const char *clock, const char *what)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_%s", clock, what);
	return (long long)json_integer_value(json_object_get(row, name));
}

/* Adds row's counts into the totals object tot ({tickets, response: {met,
 * breached, running}, resolution: {...}}), making members as needed. */
static int add_counts(json_t *tot, const json_t *row)
{
	json_t *c;

	if (json_object_set_new(tot, "tickets", json_integer(
		json_integer_value(json_object_get(tot, "tickets")) +
		json_integer_value(json_object_get(row, "tickets")))))
		return -1;
	for (size_t k = 0; k < 2; k++) {
		if (!(c = json_object_get(tot, clocks[k])) &&
		    (json_object_set_new(tot, clocks[k], json_object()) ||
		     !(c = json_object_get(tot, clocks[k]))))
			return -1;
		for (size_t w = 0; w < 3; w++)
			if (json_object_set_new(c, counts[w], json_integer(
				json_integer_value(json_object_get(c, counts[w])) +
				row_count(row, clocks[k], counts[w]))))
				return -1;
	}
	return 0;
}

/* Adds met_pct to each clock of every totals object under o (depth 0:
 * o itself is one). */
static int add_pcts(json_t *o, int depth)
{
	const char *key;
	json_t *v;

	if (depth == 0) {
		for (size_t k = 0; k < 2; k++) {
			json_t *c = json_object_get(o, clocks[k]);
			long long met = json_integer_value(json_object_get(c, "met"));
			long long late = json_integer_value(json_object_get(c, "breached"));

			if (json_object_set_new(c, "met_pct", kt_report_pct(met, met + late)))
				return -1;
		}
		return 0;
	}
	json_object_foreach(o, key, v)
		if (add_pcts(v, strcmp(key, "all") == 0 ? 0 : depth - 1))
			return -1;
	return 0;
}

json_t *kt_report_compliance(const json_t *rows)
{
	json_t *out = json_object(), *row, *type, *cell;
	char p[8];
	size_t i;

	if (!out || json_object_set_new(out, "all", json_object()))
		goto fail;
	json_array_foreach(rows, i, row) {
		const char *t = json_string_value(json_object_get(row, "type"));

		if (!t)
			continue;
		if (!(type = json_object_get(out, t)) &&
		    (json_object_set_new(out, t, json_object()) || !(type = json_object_get(out, t)) ||
		     json_object_set_new(type, "all", json_object())))
			goto fail;
		snprintf(p, sizeof(p), "p%d", (int)json_integer_value(json_object_get(row, "priority")));
		if (json_object_set_new(type, p, json_object()) || !(cell = json_object_get(type, p)) ||
		    add_counts(cell, row) || add_counts(json_object_get(type, "all"), row) ||
		    add_counts(json_object_get(out, "all"), row))
			goto fail;
	}
	if (json_object_size(json_object_get(out, "all")) == 0 &&
	    add_counts(json_object_get(out, "all"), json_object_get(out, "all")))
		goto fail;
	if (add_pcts(out, 2))
		goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}
