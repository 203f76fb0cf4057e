/* health.h - the health of a customer service, as GET
 * /v1/services/{id}/status shows it: a pure function of the service's
 * tickets (type, consolidated status, priority). No I/O. */
#ifndef KETEN_HEALTH_H
#define KETEN_HEALTH_H

#include <stddef.h>

#include "keten/model.h"

/* Ordered from good to bad. */
enum kt_health {
	KT_HEALTH_OPERATIONAL,
	KT_HEALTH_DEGRADED,
	KT_HEALTH_PARTIAL_OUTAGE,
	KT_HEALTH_MAJOR_OUTAGE,
	KT_HEALTH__COUNT
};

/* What health reads of one ticket of the service. */
struct kt_health_ticket {
	enum kt_ticket_type type;
	enum kt_status status;          /* the consolidated status */
	int priority;                   /* 1 critical ... 5 planning */
};

/* 1 when a ticket of this type in this consolidated status bears on the
 * service's health: an open incident (not resolved, closed or cancelled). */
int kt_health_counts(enum kt_ticket_type type, enum kt_status status);

/* The health of a service with these tickets (n may be 0): the worst any
 * ticket that counts makes it. A priority 1 incident -> major_outage,
 * priority 2 -> partial_outage, any other priority -> degraded; none ->
 * operational. */
enum kt_health kt_health_of(const struct kt_health_ticket *tickets, size_t n);

/* "operational", "degraded", "partial_outage", "major_outage". */
const char *kt_health_name(enum kt_health h);

#endif
