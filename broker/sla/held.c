/* held.c - business time per party that held a ticket (see sla/held.h). */
#include <string.h>

#include "sla/held.h"

static long long min_ll(long long a, long long b)
{
	return a < b ? a : b;
}

static long long max_ll(long long a, long long b)
{
	return a > b ? a : b;
}

json_t *kt_sla_held(const struct kt_calendar *cal, long long start, long long end,
		    const struct kt_sla_history *ticket,
		    const struct kt_sla_holder_step *holders, size_t n_holders,
		    const struct kt_sla_leg_time *legs, size_t n_legs)
{
	long long integrator = 0, customer = 0;
	json_t *suppliers = json_object(), *out;

	for (size_t i = 0; i < ticket->n_waits; i++)
		customer += kt_calendar_between(cal, max_ll(ticket->waits[i].from, start),
						min_ll(ticket->waits[i].to, end), NULL, 0);
	for (size_t i = 0; i < n_holders; i++) {
		long long to = i + 1 < n_holders ? holders[i + 1].at : end;

		if (strcmp(holders[i].holder, "integrator") == 0)
			integrator += kt_calendar_between(cal, max_ll(holders[i].at, start),
							  min_ll(to, end), NULL, 0);
	}
	for (size_t i = 0; suppliers && i < n_legs; i++) {
		const struct kt_sla_history *h = legs[i].h;
		long long stop = h->stop >= 0 ? min_ll(h->stop, end) : end;
		long long s = kt_calendar_between(cal, max_ll(legs[i].start, start), stop,
						  h->pauses, h->n_pauses);

		s += json_integer_value(json_object_get(suppliers, legs[i].supplier));
		if (json_object_set_new(suppliers, legs[i].supplier, json_integer(s))) {
			json_decref(suppliers);
			suppliers = NULL;
		}
	}
	if (!suppliers)
		return NULL;
	out = json_pack("{s:I, s:I, s:o}", "integrator", (json_int_t)integrator,
			"customer", (json_int_t)customer, "suppliers", suppliers);
	return out;
}
