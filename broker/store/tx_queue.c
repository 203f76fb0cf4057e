/* tx_queue.c - the counts of the integrator's work queues (see
 * store/tx_queue.h), over the predicates of store/queue_sql.h that the
 * ticket list filters by. A transaction file: one statement. */
#include "store/internal.h"
#include "store/queue_sql.h"
#include "store/tx_queue.h"

static const char *const ticket_queues[] = {
	"needs_triage", "escalated", "delivery_delayed", "sla_breached", "sla_warning",
};

int kt_store_queue_known(const char *name)
{
	for (size_t i = 0; i < sizeof(ticket_queues) / sizeof(ticket_queues[0]); i++)
		if (strcmp(name, ticket_queues[i]) == 0)
			return 1;
	return 0;
}

json_t *kt_store_queue_counts(struct kt_db *db, struct kt_err *err)
{
	int found = 0;
	json_t *out;

	/* Dead letters are outbox messages, not tickets: counted apart, on
	 * the partial index outbox_dead_idx. */
	out = kt_db_json(db,
		"SELECT json_build_object("
		" 'needs_triage', count(*) FILTER (WHERE " KT_QUEUE_NEEDS_TRIAGE "),"
		" 'escalated', count(*) FILTER (WHERE " KT_QUEUE_ESCALATED "),"
		" 'delivery_delayed', count(*) FILTER (WHERE " KT_QUEUE_DELIVERY_DELAYED "),"
		" 'sla_breached', count(*) FILTER (WHERE " KT_QUEUE_SLA_BREACHED "),"
		" 'sla_warning', count(*) FILTER (WHERE " KT_QUEUE_SLA_WARNING "),"
		" 'dead_letters', (SELECT count(*) FROM outbox WHERE state = 'dead'))"
		" FROM tickets t", 0, NULL, &found, err);
	if (!out && !kt_err_isset(err))
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return out;
}
