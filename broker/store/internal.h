/* internal.h - what the store/ files share: the session struct (with its
 * cache of prepared statements) and small helpers around parameterised
 * statements. Not for other modules. */
#ifndef KETEN_STORE_INTERNAL_H
#define KETEN_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "store/store.h"

/* Slots of a session's statement cache, and how many of them may be
 * filled (the rest keeps linear probing short). The broker has about a
 * hundred distinct statements; SQL beyond the bound runs unnamed. */
#define KT_DB_STMT_SLOTS 256
#define KT_DB_STMT_MAX 192

/* A slot of the cache: its statement is named "kt_<slot>" on the server. */
enum kt_db_stmt_state {
	KT_STMT_NEW,      /* sql known, not prepared on this connection */
	KT_STMT_READY,    /* prepared: run by name */
	KT_STMT_STALE,    /* prepared, but its plan was refused ("cached plan
			   * must not change result type" after a schema
			   * change): runs unnamed until kt_db_settle, outside
			   * any transaction, deallocates it */
};

struct kt_db_stmt {
	char *sql;       /* owned; NULL: the slot is free */
	unsigned long hash;
	enum kt_db_stmt_state state;
};

struct kt_db {
	PGconn *conn;
	char *conninfo;
	int statement_timeout_ms;
	int prepare;                /* kt_db_prepare_statements was called */
	int filled;                 /* slots holding a statement */
	int prepared;               /* slots READY or STALE: on the server */
	int stale;                  /* slots STALE */
	struct kt_db_stmt *stmts;   /* KT_DB_STMT_SLOTS, owned; NULL until used */
	char acting_key[40];        /* kt_db_act_as; "" when none */
};

/* The key id set by kt_db_act_as, as a statement's parameter (NULL when
 * none): the value of events.key_id in every INSERT INTO events. */
const char *kt_db_acting_key(const struct kt_db *db);

/* Runs sql with n text parameters (NULL = SQL NULL). On a session of a
 * pool (kt_db_prepare_statements) sql is prepared on its first run and
 * executed by name afterwards; sql must then be one statement that
 * PostgreSQL can prepare (not BEGIN, COMMIT, SET or DDL: those go
 * through sessions without the cache, or kt_db_begin/kt_db_commit).
 * Returns the result (caller PQclear()s it) or NULL with err filled. */
PGresult *kt_db_exec(struct kt_db *db, const char *sql, int n,
		     const char *const *params, struct kt_err *err);

/* The statement that deletes up to $2 rows of table whose column at is
 * more than $1 seconds old (an index on at keeps it a range scan). */
#define KT_DB_PURGE_SQL(table, at) \
	"DELETE FROM " table " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " table \
	" WHERE " at " < now() - make_interval(secs => $1::integer) LIMIT $2::integer))"

/* Runs a KT_DB_PURGE_SQL statement for age_s and batch; *deleted gets how
 * many rows went. */
int kt_db_purge(struct kt_db *db, const char *sql, int age_s, int batch, int *deleted,
		struct kt_err *err);

/* Runs sql, which answers one row of one boolean (a lease function's
 * "recorded"): *value = 1 when it answered true, else 0. */
int kt_db_bool(struct kt_db *db, const char *sql, int n, const char *const *params,
	       int *value, struct kt_err *err);

/* Reads row `row` of res into item (zeroed, the array's); KT_ERR with err
 * filled when it cannot. */
typedef int kt_db_row_fn(PGresult *res, int row, void *item, struct kt_err *err);

/* Runs sql and reads each row of its answer into an item (item_size
 * bytes) of a new array: *out gets it (the caller's: release each item,
 * free the array; NULL when no row), *n its length. When a row cannot be
 * read (or out of memory), every item is undone with release and KT_ERR. */
int kt_db_rows(struct kt_db *db, const char *sql, int n_params, const char *const *params,
	       size_t item_size, kt_db_row_fn *read, void (*release)(void *item), void **out,
	       size_t *n, struct kt_err *err);

/* Runs a statement whose result is not needed. */
int kt_db_cmd(struct kt_db *db, const char *sql, int n,
	      const char *const *params, struct kt_err *err);

/* Runs sql expected to give at most one row whose first column is json.
 * Returns a new reference, or NULL: with *found = 0 when there was no row
 * (err untouched), or with err filled on failure. found may be NULL. */
json_t *kt_db_json(struct kt_db *db, const char *sql, int n,
		   const char *const *params, int *found, struct kt_err *err);

/* The statement of one page of a table listed in id order: the rows of
 * table (aliased alias) after the id $1 (NULL: from the first), at most $2,
 * each as the json expression json over alias. Its one row is
 * {"items": [...], "next_cursor": the last id shown, or null on the last
 * page}; run it with kt_db_id_page. */
#define KT_STORE_ID_PAGE(table, alias, json) \
	"WITH page AS (SELECT " alias ".* FROM " table " " alias \
	"  WHERE $1::uuid IS NULL OR " alias ".id > $1::uuid ORDER BY " alias ".id" \
	"  LIMIT $2::integer + 1)," \
	" shown AS (SELECT " alias ".id, " json " AS v FROM page " alias \
	"  ORDER BY " alias ".id LIMIT $2::integer)" \
	" SELECT json_build_object('items', coalesce((SELECT json_agg(v ORDER BY id) FROM shown)," \
	"   '[]'::json), 'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $2::integer" \
	"   THEN (SELECT id FROM shown ORDER BY id DESC LIMIT 1) END)"

/* Runs a KT_STORE_ID_PAGE statement for at most limit rows after cursor
 * (NULL: the first page). New reference, or NULL with err filled: 400
 * "invalid_cursor" for a cursor that is no id. */
json_t *kt_db_id_page(struct kt_db *db, const char *sql, int limit, const char *cursor,
		      struct kt_err *err);

int kt_db_begin(struct kt_db *db, struct kt_err *err);
int kt_db_commit(struct kt_db *db, struct kt_err *err);
/* Rolls back and ignores any error (the caller is already failing). */
void kt_db_rollback(struct kt_db *db);

/* Takes the transaction-level lock that chain imports hold
 * (store/rule_chain.c): whatever changes customers, suppliers or services
 * takes it, so one such change runs at a time. In the same statement it
 * announces the change on KT_CHAIN_CHANNEL (store/listen.h), heard by
 * every node at the commit. */
int kt_store_chain_lock(struct kt_db *db, struct kt_err *err);

#endif
