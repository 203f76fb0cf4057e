/* db.c - database sessions and the statement helpers every store
 * module uses; maps libpq failures to Keten errors (a lost or refused
 * connection is unavailable "database_unavailable"). */
#include "base/log.h"
#include "store/internal.h"

static int map_error(struct kt_db *db, PGresult *res, struct kt_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char text[200];
	size_t len;

	if (!msg)
		msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);
	snprintf(text, sizeof(text), "%s", msg && *msg ? msg : "unknown error");
	len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '.'))
		text[--len] = '\0';
	/* The database's own words go to the log, never to an API client. */
	kt_log(KT_LOG_WARN, json_pack("{s:s}", "sqlstate", state ? state : ""),
	       "database: %s", text);
	/* An error without a SQLSTATE is libpq's own: the server never
	 * answered (a connection lost mid-statement, before libpq marks the
	 * session bad). */
	if (PQstatus(db->conn) != CONNECTION_OK || !state ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return kt_err_set(err, KT_EC_UNAVAILABLE, "database_unavailable", "database unavailable");
	if (state && strcmp(state, "57014") == 0)
		return kt_err_set(err, KT_EC_UNAVAILABLE, "database_timeout",
				  "database statement timed out");
	return kt_err_set(err, KT_EC_INTERNAL, "database_error", "database error");
}

static int connect_db(struct kt_db *db, struct kt_err *err)
{
	const char *keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "3", "keten", db->conninfo, NULL };
	char sql[80];
	PGresult *res;

	db->conn = PQconnectdbParams(keys, vals, 1);
	if (!db->conn)
		return kt_err_set(err, KT_EC_UNAVAILABLE, "database_unavailable",
				  "could not allocate a database connection");
	if (PQstatus(db->conn) != CONNECTION_OK)
		return map_error(db, NULL, err);
	snprintf(sql, sizeof(sql), "SET statement_timeout = %d; SET TIME ZONE 'UTC'",
		 db->statement_timeout_ms > 0 ? db->statement_timeout_ms : 0);
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		map_error(db, res, err);
		PQclear(res);
		return KT_ERR;
	}
	PQclear(res);
	return KT_OK;
}

int kt_db_open(const char *conninfo, int statement_timeout_ms,
	       struct kt_db **out, struct kt_err *err)
{
	struct kt_db *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (!db || !(db->conninfo = strdup(conninfo))) {
		free(db);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	db->statement_timeout_ms = statement_timeout_ms;
	if (connect_db(db, err) != KT_OK) {
		kt_db_free(db);
		return KT_ERR;
	}
	*out = db;
	return KT_OK;
}

void kt_db_settle(struct kt_db *db)
{
	if (!kt_db_ok(db) || PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	kt_log(KT_LOG_ERROR, NULL, "a database job left a transaction open: rolled back");
	kt_db_rollback(db);
}

int kt_db_ok(struct kt_db *db)
{
	if (!db || !db->conn || PQstatus(db->conn) != CONNECTION_OK)
		return 0;
	/* libpq's socket is non-blocking: this never waits. */
	if (PQtransactionStatus(db->conn) == PQTRANS_IDLE && !PQconsumeInput(db->conn))
		return 0;
	return PQstatus(db->conn) == CONNECTION_OK;
}

int kt_db_reconnect(struct kt_db *db, struct kt_err *err)
{
	PQfinish(db->conn);
	db->conn = NULL;
	return connect_db(db, err);
}

void kt_db_free(struct kt_db *db)
{
	if (!db)
		return;
	PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

PGresult *kt_db_exec(struct kt_db *db, const char *sql, int n,
		     const char *const *params, struct kt_err *err)
{
	PGresult *res = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	map_error(db, res, err);
	PQclear(res);
	return NULL;
}

int kt_db_cmd(struct kt_db *db, const char *sql, int n,
	      const char *const *params, struct kt_err *err)
{
	PGresult *res = kt_db_exec(db, sql, n, params, err);

	if (!res)
		return KT_ERR;
	PQclear(res);
	return KT_OK;
}

json_t *kt_db_json(struct kt_db *db, const char *sql, int n,
		   const char *const *params, int *found, struct kt_err *err)
{
	PGresult *res = kt_db_exec(db, sql, n, params, err);
	json_error_t jerr;
	json_t *v = NULL;

	if (found)
		*found = 0;
	if (!res)
		return NULL;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		v = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
		if (!v)
			kt_err_set(err, KT_EC_INTERNAL, "database_error",
				   "could not read json from the database: %s", jerr.text);
		else if (found)
			*found = 1;
	}
	PQclear(res);
	return v;
}

int kt_db_begin(struct kt_db *db, struct kt_err *err)
{
	return kt_db_cmd(db, "BEGIN", 0, NULL, err);
}

int kt_db_commit(struct kt_db *db, struct kt_err *err)
{
	return kt_db_cmd(db, "COMMIT", 0, NULL, err);
}

void kt_db_rollback(struct kt_db *db)
{
	PQclear(PQexec(db->conn, "ROLLBACK"));
}

int kt_store_ping(struct kt_db *db, struct kt_err *err)
{
	return kt_db_cmd(db, "SELECT 1", 0, NULL, err);
}
