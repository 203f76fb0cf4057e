/* clock.c - one SLA clock evaluated from its history (see sla/clock.h). */
#include "sla/clock.h"

void kt_sla_clock_eval(const struct kt_sla_clock_in *in, struct kt_sla_clock_out *out)
{
	long long end = in->stop >= 0 ? in->stop : in->now;
	size_t i;

	out->used_s = kt_calendar_between(in->cal, in->start, end, in->pauses, in->n_pauses);
	if (kt_calendar_add(in->cal, in->start, in->target_s, in->pauses, in->n_pauses,
			    &out->due))
		out->due = -1;
	if (in->stop >= 0) {
		out->state = out->used_s <= in->target_s ? KT_SLA_MET : KT_SLA_BREACHED;
		return;
	}
	if (out->used_s >= in->target_s) {
		out->state = KT_SLA_BREACHED;
		return;
	}
	out->state = KT_SLA_RUNNING;
	for (i = 0; i < in->n_pauses; i++)
		if (in->pauses[i].from <= in->now && in->now < in->pauses[i].to)
			out->state = KT_SLA_PAUSED;
}

const char *kt_sla_state_name(enum kt_sla_state s)
{
	static const char *const names[] = { "running", "paused", "met", "breached" };

	return names[s];
}
