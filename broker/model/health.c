/* health.c - the health of a customer service from its open incidents and
 * their priorities (see model/health.h). Pure functions only. */
#include "model/health.h"

static const char *const names[KT_HEALTH__COUNT] = {
	"operational", "degraded", "partial_outage", "major_outage",
};

int kt_health_counts(enum kt_ticket_type type, enum kt_status status)
{
	return type == KT_TYPE_INCIDENT && status != KT_ST_RESOLVED &&
	       status != KT_ST_CLOSED && status != KT_ST_CANCELLED;
}

static enum kt_health level(int priority)
{
	if (priority == 1)
		return KT_HEALTH_MAJOR_OUTAGE;
	if (priority == 2)
		return KT_HEALTH_PARTIAL_OUTAGE;
	return KT_HEALTH_DEGRADED;
}

enum kt_health kt_health_of(const struct kt_health_ticket *tickets, size_t n)
{
	enum kt_health worst = KT_HEALTH_OPERATIONAL, h;

	for (size_t i = 0; i < n; i++) {
		if (!kt_health_counts(tickets[i].type, tickets[i].status))
			continue;
		h = level(tickets[i].priority);
		if (h > worst)
			worst = h;
	}
	return worst;
}

const char *kt_health_name(enum kt_health h)
{
	return (unsigned)h < KT_HEALTH__COUNT ? names[h] : "unknown";
}
