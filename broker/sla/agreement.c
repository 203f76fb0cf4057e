/* agreement.c - an agreement's calendar and targets, and its two clocks
 * (see sla/agreement.h). */
#include <stdlib.h>
#include <string.h>

#include "base/civil_time.h"
#include "sla/agreement.h"
#include "sla/clock.h"
#include "sla/tz_cache.h"

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int minutes_of(const char *hhmm)
{
	return kt_civil_digits(hhmm, 2) * 60 + kt_civil_digits(hhmm + 3, 2);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Office hours {timezone, days, from, to, holidays?} into a. */
static int office_hours(struct kt_sla_agreement *a, const json_t *h, struct kt_err *err)
{
	const json_t *hol = json_object_get(h, "holidays"), *v;
	const char *from = json_string_value(json_object_get(h, "from"));
	const char *to = json_string_value(json_object_get(h, "to"));
	size_t i, n = 0;

	if (!from || !to || strlen(from) != 5 || strlen(to) != 5)
		return kt_err_set(err, KT_EC_INVALID, "invalid_agreement",
				  "service hours without from and to");
	if (kt_tz_cache_load(json_string_value(json_object_get(h, "timezone")), &a->tz, err))
		return KT_ERR;
	a->cal.tz = &a->tz;
	a->cal.from_min = minutes_of(from);
	a->cal.to_min = minutes_of(to);
	a->cal.days = 0;
	json_array_foreach(json_object_get(h, "days"), i, v)
		for (unsigned d = 0; d < 7; d++)
			if (json_is_string(v) && strcmp(json_string_value(v), day_names[d]) == 0)
				a->cal.days |= 1u << d;
	if (json_array_size(hol) &&
	    !(a->holidays = calloc(json_array_size(hol), sizeof(*a->holidays))))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	json_array_foreach(hol, i, v)
		if (kt_civil_date_parse(json_string_value(v), &a->holidays[n]) == 0)
			n++;
	qsort(a->holidays, n, sizeof(*a->holidays), cmp_ll);
	a->cal.holidays = a->holidays;
	a->cal.n_holidays = n;
	return KT_OK;
}

int kt_sla_agreement_init(struct kt_sla_agreement *a, const json_t *obj,
			  struct kt_err *err)
{
	const json_t *hours = json_object_get(obj, "service_hours");

	memset(a, 0, sizeof(*a));
	kt_tz_init_utc(&a->tz);
	kt_calendar_init_24x7(&a->cal, &a->tz);
	a->targets = json_incref(json_object_get(obj, "targets"));
	a->warning_pct = json_is_integer(json_object_get(obj, "warning_pct"))
		? (int)json_integer_value(json_object_get(obj, "warning_pct")) : KT_SLA_WARNING_PCT;
	if (a->warning_pct < 1 || a->warning_pct > 99)
		a->warning_pct = KT_SLA_WARNING_PCT;
	if (json_is_object(hours) && office_hours(a, hours, err)) {
		kt_sla_agreement_release(a);
		return KT_ERR;
	}
	return KT_OK;
}

void kt_sla_agreement_release(struct kt_sla_agreement *a)
{
	kt_tz_release(&a->tz);
	free(a->holidays);
	json_decref(a->targets);
	a->holidays = NULL;
	a->targets = NULL;
}

long long kt_sla_agreement_target(const struct kt_sla_agreement *a, int priority,
				  const char *member)
{
	char key[4];

	if (priority < 1 || priority > 5)
		return 0;
	snprintf(key, sizeof(key), "p%d", priority);
	return json_integer_value(json_object_get(json_object_get(a->targets, key), member));
}

static void one(const struct kt_sla_agreement *a, long long target_min, long long start,
		long long stop, const struct kt_pause *pauses, size_t n, long long now,
		struct kt_sla_result *r)
{
	struct kt_sla_clock_in in = {
		.cal = &a->cal, .start = start, .target_s = target_min * 60,
		.pauses = pauses, .n_pauses = n, .stop = stop, .now = now,
	};
	struct kt_sla_clock_out out;

	*r = (struct kt_sla_result){ .due = -1, .warn = -1, .stopped = -1, .met = -1 };
	if (target_min <= 0)
		return;
	kt_sla_clock_eval(&in, &out);
	if (kt_calendar_add(&a->cal, start, target_min * 60 * a->warning_pct / 100, pauses, n,
			    &r->warn))
		r->warn = -1;
	r->has = 1;
	r->target_min = target_min;
	r->due = out.due;
	r->stopped = stop;
	r->met = out.state == KT_SLA_MET ? 1 : stop >= 0 ? 0 : -1;
	r->paused = out.state == KT_SLA_PAUSED;
}

void kt_sla_agreement_clocks(const struct kt_sla_agreement *a, int priority,
			     const char *first, const char *second, long long start,
			     long long ack_at, const struct kt_sla_history *h,
			     long long now, struct kt_sla_result out[2])
{
	long long stop = ack_at;

	if (h->first_stop >= 0 && (stop < 0 || h->first_stop < stop))
		stop = h->first_stop;
	one(a, kt_sla_agreement_target(a, priority, first), start, stop, h->waits,
	    h->n_waits, now, &out[0]);
	one(a, kt_sla_agreement_target(a, priority, second), start, h->stop, h->pauses,
	    h->n_pauses, now, &out[1]);
}
