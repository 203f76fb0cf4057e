/* tx_sla.c - the SLA alert sweep (see store/tx_sla.h): keten_sla_alerts
 * of migration 020, one statement. */
#include "store/internal.h"
#include "store/tx_sla.h"

int kt_store_sla_sweep(struct kt_db *db, int limit, int *recorded, struct kt_err *err)
{
	char lim[16];
	const char *params[] = { lim };
	PGresult *res;

	snprintf(lim, sizeof(lim), "%d", limit);
	*recorded = 0;
	if (!(res = kt_db_exec(db, "SELECT keten_sla_alerts(NULL, $1::integer)", 1, params, err)))
		return KT_ERR;
	*recorded = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return KT_OK;
}
