/* internal.h - what the store/ files share: the session struct
 * and small helpers around parameterised statements. Not for other modules. */
#ifndef KETEN_STORE_INTERNAL_H
#define KETEN_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "store/store.h"

struct kt_db {
	PGconn *conn;
	char *conninfo;
	int statement_timeout_ms;
};

/* Runs sql with n text parameters (NULL = SQL NULL). Returns the result
 * (caller PQclear()s it) or NULL with err filled. */
PGresult *kt_db_exec(struct kt_db *db, const char *sql, int n,
		     const char *const *params, struct kt_err *err);

/* Runs a statement whose result is not needed. */
int kt_db_cmd(struct kt_db *db, const char *sql, int n,
	      const char *const *params, struct kt_err *err);

/* Runs sql expected to give at most one row whose first column is json.
 * Returns a new reference, or NULL: with *found = 0 when there was no row
 * (err untouched), or with err filled on failure. found may be NULL. */
json_t *kt_db_json(struct kt_db *db, const char *sql, int n,
		   const char *const *params, int *found, struct kt_err *err);

int kt_db_begin(struct kt_db *db, struct kt_err *err);
int kt_db_commit(struct kt_db *db, struct kt_err *err);
/* Rolls back and ignores any error (the caller is already failing). */
void kt_db_rollback(struct kt_db *db);

/* Takes the transaction-level lock that chain imports hold
 * (store/rule_chain.c): whatever changes customers, suppliers or services
 * takes it, so one such change runs at a time. */
int kt_store_chain_lock(struct kt_db *db, struct kt_err *err);

#endif
