/* history.c - pauses and stops of a clock from its status steps (see
 * sla/history.h). */
#include <stdlib.h>
#include <string.h>

#include "sla/history.h"

static int push(struct kt_pause **a, size_t *n, long long from, long long to)
{
	struct kt_pause *p;

	if (to <= from)
		return 0;
	if (!(p = realloc(*a, (*n + 1) * sizeof(**a))))
		return -1;
	p[*n] = (struct kt_pause){ from, to };
	*a = p;
	(*n)++;
	return 0;
}

int kt_sla_history_eval(const struct kt_sla_step *steps, size_t n, unsigned wait_mask,
			struct kt_sla_history *h)
{
	enum kt_status cur = KT_ST_NEW;
	long long since = 0;
	int rc = 0;

	memset(h, 0, sizeof(*h));
	h->first_stop = h->stop = -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned was = KT_SLA_BIT(cur), is = KT_SLA_BIT(steps[i].to);
		long long at = steps[i].at;

		if ((was & wait_mask) && !(is & wait_mask))
			rc |= push(&h->waits, &h->n_waits, since, at) |
			      push(&h->pauses, &h->n_pauses, since, at);
		if (!(was & wait_mask) && (is & wait_mask))
			since = at;
		if (!(was & KT_SLA_STOPS) && (is & KT_SLA_STOPS)) {
			h->stop = at;
			if (h->first_stop < 0)
				h->first_stop = at;
		}
		if ((was & KT_SLA_STOPS) && !(is & KT_SLA_STOPS)) {
			rc |= push(&h->pauses, &h->n_pauses, h->stop, at);
			h->stop = -1;
		}
		cur = steps[i].to;
	}
	if (rc == 0 && (KT_SLA_BIT(cur) & wait_mask))
		rc = push(&h->waits, &h->n_waits, since, KT_CAL_OPEN) |
		     push(&h->pauses, &h->n_pauses, since, KT_CAL_OPEN);
	h->now = cur;
	if (rc) {
		kt_sla_history_release(h);
		return -1;
	}
	return 0;
}

void kt_sla_history_release(struct kt_sla_history *h)
{
	free(h->waits);
	free(h->pauses);
	h->waits = h->pauses = NULL;
	h->n_waits = h->n_pauses = 0;
}
