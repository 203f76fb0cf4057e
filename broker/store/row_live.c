/* row_live.c - relaying the live stream's queue (see store/row_live.h). */
#include "store/internal.h"
#include "store/listen.h"
#include "store/row_live.h"

int kt_store_live_relay(struct kt_db *db, int *relayed, struct kt_err *err)
{
	const char *params[] = { KT_LIVE_CHANNEL };
	PGresult *res;

	*relayed = 0;
	res = kt_db_exec(db,
		"WITH d AS (DELETE FROM keten_live_queue RETURNING payload)"
		" SELECT count(pg_notify($1, payload)) FROM d", 1, params, err);
	if (!res)
		return KT_ERR;
	*relayed = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return KT_OK;
}
