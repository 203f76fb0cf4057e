/* db.c - database sessions and the statement helpers every store
 * module uses: a pool's session prepares each statement once per
 * connection (a bounded cache keyed by the SQL text); maps libpq failures
 * to Keten errors (a lost or refused connection is "database_unavailable"). */
#include <stdio.h>

#include "base/json_field.h"
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

/* A cached statement's name on the server, from its slot. */
#define STMT_NAME "kt_%d"

/* Deallocates the statements whose plans were refused, so that their
 * next run prepares them again. Outside any transaction: a DEALLOCATE
 * that failed there would abort the caller's work. */
static void drop_stale(struct kt_db *db)
{
	char sql[32];

	for (int i = 0; db->stale > 0 && i < KT_DB_STMT_SLOTS; i++) {
		if (db->stmts[i].state != KT_STMT_STALE)
			continue;
		snprintf(sql, sizeof(sql), "DEALLOCATE " STMT_NAME, i);
		PQclear(PQexec(db->conn, sql));
		db->stmts[i].state = KT_STMT_NEW;
		db->stale--;
		db->prepared--;
	}
}

void kt_db_settle(struct kt_db *db)
{
	if (!kt_db_ok(db))
		return;
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		kt_log(KT_LOG_ERROR, NULL, "a database job left a transaction open: rolled back");
		kt_db_rollback(db);
	}
	drop_stale(db);
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

/* Empties the statement cache: a new connection has none prepared. */
static void forget_statements(struct kt_db *db)
{
	if (db->stmts)
		for (int i = 0; i < KT_DB_STMT_SLOTS; i++)
			free(db->stmts[i].sql);
	free(db->stmts);
	db->stmts = NULL;
	db->filled = 0;
	db->prepared = 0;
	db->stale = 0;
}

int kt_db_reconnect(struct kt_db *db, struct kt_err *err)
{
	PQfinish(db->conn);
	db->conn = NULL;
	forget_statements(db);
	return connect_db(db, err);
}

void kt_db_prepare_statements(struct kt_db *db)
{
	db->prepare = 1;
}

int kt_db_prepared_count(const struct kt_db *db)
{
	return db ? db->prepared : 0;
}

void kt_db_free(struct kt_db *db)
{
	if (!db)
		return;
	PQfinish(db->conn);
	forget_statements(db);
	free(db->conninfo);
	free(db);
}

/* FNV-1a over the SQL text. */
static unsigned long hash_sql(const char *sql)
{
	unsigned long h = 2166136261UL;

	for (; *sql; sql++)
		h = (h ^ (unsigned char)*sql) * 16777619UL;
	return h;
}

/* The slot of sql in the cache, taken now if sql is new and there is
 * room; -1 when sql is to run unnamed (a full cache, no memory). */
static int find_slot(struct kt_db *db, const char *sql)
{
	unsigned long hash = hash_sql(sql);

	if (!db->stmts && !(db->stmts = calloc(KT_DB_STMT_SLOTS, sizeof(*db->stmts))))
		return -1;
	for (int i = 0; i < KT_DB_STMT_SLOTS; i++) {
		int slot = (int)((hash + (unsigned long)i) % KT_DB_STMT_SLOTS);
		struct kt_db_stmt *s = &db->stmts[slot];

		if (s->sql && s->hash == hash && strcmp(s->sql, sql) == 0)
			return slot;
		if (s->sql)
			continue;
		/* Slots are filled for the connection's life (never emptied
		 * one by one), so the first free slot ends the probe. */
		if (db->filled >= KT_DB_STMT_MAX || !(s->sql = strdup(sql)))
			return -1;
		db->filled++;
		s->hash = hash;
		s->state = KT_STMT_NEW;
		return slot;
	}
	return -1;
}

/* Runs sql by name from slot, preparing it first when it is new; a
 * failed PREPARE's result is returned as the statement's. */
static PGresult *exec_prepared(struct kt_db *db, int slot, const char *sql, int n,
			       const char *const *params)
{
	struct kt_db_stmt *s = &db->stmts[slot];
	char name[16];
	PGresult *res;

	snprintf(name, sizeof(name), STMT_NAME, slot);
	if (s->state == KT_STMT_NEW) {
		res = PQprepare(db->conn, name, sql, n, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		s->state = KT_STMT_READY;
		db->prepared++;
	}
	return PQexecPrepared(db->conn, name, n, params, NULL, NULL, 0);
}

/* 1 when res is PostgreSQL refusing a prepared statement's plan because
 * a schema change altered its result columns ("cached plan must not
 * change result type", SQLSTATE 0A000, raised before it runs). */
static int plan_refused(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state && strcmp(state, "0A000") == 0;
}

/* sql through the cache when the session has one: by name, or unnamed
 * (PQexecParams) when the cache is full or the statement is stale. A
 * refused plan makes the slot stale; outside a transaction the slot is
 * dropped and the statement run again once, prepared afresh. Inside one,
 * the transaction is already aborted: the error goes to the caller (its
 * work fails once) and kt_db_settle drops the slot after the rollback. */
static PGresult *run(struct kt_db *db, const char *sql, int n, const char *const *params)
{
	PGresult *res;
	int slot;

	if (!db->prepare || (slot = find_slot(db, sql)) < 0 ||
	    db->stmts[slot].state == KT_STMT_STALE)
		return PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	res = exec_prepared(db, slot, sql, n, params);
	if (db->stmts[slot].state != KT_STMT_READY || !plan_refused(res))
		return res;
	db->stmts[slot].state = KT_STMT_STALE;
	db->stale++;
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		return res;
	PQclear(res);
	drop_stale(db);
	return exec_prepared(db, slot, sql, n, params);
}

/* sql's result, or NULL with err filled. */
static PGresult *checked(struct kt_db *db, PGresult *res, struct kt_err *err)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	map_error(db, res, err);
	PQclear(res);
	return NULL;
}

PGresult *kt_db_exec(struct kt_db *db, const char *sql, int n,
		     const char *const *params, struct kt_err *err)
{
	return checked(db, run(db, sql, n, params), err);
}

/* A transaction command: unnamed, never cached (one word to parse). */
static int plain_cmd(struct kt_db *db, const char *sql, struct kt_err *err)
{
	PGresult *res = checked(db, PQexec(db->conn, sql), err);

	if (!res)
		return KT_ERR;
	PQclear(res);
	return KT_OK;
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

int kt_db_bool(struct kt_db *db, const char *sql, int n, const char *const *params,
	       int *value, struct kt_err *err)
{
	PGresult *res = kt_db_exec(db, sql, n, params, err);

	*value = 0;
	if (!res)
		return KT_ERR;
	*value = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return KT_OK;
}

int kt_db_rows(struct kt_db *db, const char *sql, int n_params, const char *const *params,
	       size_t item_size, kt_db_row_fn *read, void (*release)(void *item), void **out,
	       size_t *n, struct kt_err *err)
{
	PGresult *res;
	char *items = NULL;
	int rows, i;

	*out = NULL;
	*n = 0;
	if (!(res = kt_db_exec(db, sql, n_params, params, err)))
		return KT_ERR;
	rows = PQntuples(res);
	if (rows > 0 && !(items = calloc((size_t)rows, item_size))) {
		PQclear(res);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	for (i = 0; i < rows; i++)
		if (read(res, i, items + (size_t)i * item_size, err))
			break;
	PQclear(res);
	if (i == rows) {
		*out = items;
		*n = (size_t)rows;
		return KT_OK;
	}
	for (int j = 0; j <= i; j++)
		release(items + (size_t)j * item_size);
	free(items);
	return KT_ERR;
}

int kt_db_purge(struct kt_db *db, const char *sql, int age_s, int batch, int *deleted,
		struct kt_err *err)
{
	char age[16], lim[16];
	const char *params[] = { age, lim };
	PGresult *res;

	*deleted = 0;
	snprintf(age, sizeof(age), "%d", age_s);
	snprintf(lim, sizeof(lim), "%d", batch);
	res = kt_db_exec(db, sql, 2, params, err);
	if (!res)
		return KT_ERR;
	*deleted = (int)strtol(PQcmdTuples(res), NULL, 10);
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

json_t *kt_db_id_page(struct kt_db *db, const char *sql, int limit, const char *cursor,
		      struct kt_err *err)
{
	char lim[16];
	const char *params[] = { cursor, lim };

	if (cursor && !kt_is_uuid(cursor)) {
		kt_err_set(err, KT_EC_MALFORMED, "invalid_cursor",
			   "cursor must be the next_cursor of an earlier page");
		return NULL;
	}
	snprintf(lim, sizeof(lim), "%d", limit);
	return kt_db_json(db, sql, 2, params, NULL, err);
}

int kt_db_begin(struct kt_db *db, struct kt_err *err)
{
	return plain_cmd(db, "BEGIN", err);
}

int kt_db_commit(struct kt_db *db, struct kt_err *err)
{
	return plain_cmd(db, "COMMIT", err);
}

void kt_db_rollback(struct kt_db *db)
{
	PQclear(PQexec(db->conn, "ROLLBACK"));
}

void kt_db_act_as(struct kt_db *db, const char *key_id)
{
	snprintf(db->acting_key, sizeof(db->acting_key), "%s", key_id ? key_id : "");
}

const char *kt_db_acting_key(const struct kt_db *db)
{
	return db->acting_key[0] ? db->acting_key : NULL;
}

int kt_store_ping(struct kt_db *db, struct kt_err *err)
{
	return kt_db_cmd(db, "SELECT 1", 0, NULL, err);
}
