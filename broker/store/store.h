/* store.h - every SQL statement of Keten lives behind this header and the
 * store/ files' own headers; nothing else sees PGconn. All functions
 * block: they run on a dbpool worker thread or in a command-line
 * subcommand, never on the event loop. Errors: database down ->
 * unavailable "database_unavailable".
 *
 * The store is built in one-way levels, named by file so that
 * `ls broker/store` shows them:
 *
 *   database layer  db.c (sessions, statements), dbpool.c, listen.c,
 *                   migrate.c: call nothing else in store/.
 *   row_*.c         one table each (row_ticket: tickets, row_leg: legs,
 *                   row_event: events, row_outbox: outbox, ...): write only
 *                   that table (reading a name or key beside it; a message
 *                   also takes its leg's next sequence number) and call
 *                   only the database layer.
 *   rule_*.c        span tables (routing, the consolidated status, a
 *                   supplier's word on a leg, comments, a new ticket, the
 *                   ticket reads); run inside the caller's transaction and
 *                   call rows, the database layer and rules below them.
 *   tx_*.c          each function runs one BEGIN..COMMIT (tx_outbox.c: the
 *                   dispatcher's transactions); they call rules and rows,
 *                   never another transaction file.
 *
 * Calls only go down (tx -> rule -> row -> database layer), so no two
 * store files call each other; `make check-levels` (tests/lint/
 * store-levels.sh) checks it. Names follow files: kt_store_<noun>_<verb>
 * lives in <level>_<noun>.c. */
#ifndef KETEN_STORE_H
#define KETEN_STORE_H

#include <jansson.h>

#include "keten/err.h"

struct kt_db; /* one database session */

/* Connects (conninfo may be a URI); sets statement_timeout when > 0. */
int kt_db_open(const char *conninfo, int statement_timeout_ms,
	       struct kt_db **out, struct kt_err *err);
/* From now on every statement of the session's kt_db_exec/cmd/json is
 * prepared once per connection and run by name (PQexecPrepared) after
 * that; a reconnect starts over. For the pools' sessions: CLI sessions
 * (migrations among them) run their statements unnamed. */
void kt_db_prepare_statements(struct kt_db *db);
/* Statements prepared on the session's current connection. */
int kt_db_prepared_count(const struct kt_db *db);
/* 1 while the session is usable. An idle session first reads whatever the
 * server sent it, so a server that closed it while it sat idle (a restart)
 * is noticed here, before a job runs on it, and not by the job. */
int kt_db_ok(struct kt_db *db);
/* Every event the session records from now on names API key key_id as
 * the one whose request caused it (events.key_id); NULL: none (the
 * broker's own work, a supplier's signed push). A signed-in person's id
 * may be given instead: migration 030's trigger files it under
 * events.person_id. The HTTP layer sets it
 * around one request's work. */
void kt_db_act_as(struct kt_db *db, const char *key_id);
/* Drops a broken session and connects again. */
int kt_db_reconnect(struct kt_db *db, struct kt_err *err);
/* Accepts NULL. */
void kt_db_free(struct kt_db *db);

/* After a job: a session left inside a transaction (a work function that
 * forgot its rollback) is rolled back and the slip logged, so the next job
 * starts clean. Accepts NULL. */
void kt_db_settle(struct kt_db *db);

/* SELECT 1: for /readyz. */
int kt_store_ping(struct kt_db *db, struct kt_err *err);

/* Applies the embedded migrations not yet recorded, each in its own
 * transaction, under an advisory lock so two nodes never race. *applied
 * gets the number applied (0 when already current). */
int kt_store_migrate(struct kt_db *db, int *applied, struct kt_err *err);

/* How many of the embedded migrations the database has not recorded
 * (*missing; all of them when it never was migrated) and the lowest of
 * them (*first, NULL when none). Recorded migrations this binary does not
 * know are fine: a newer release migrated, and each migration leaves the
 * schema usable by the release before it. */
struct kt_migration;
int kt_store_migrations_missing(struct kt_db *db, const struct kt_migration **first,
				int *missing, struct kt_err *err);

/* ---- chain import and export (store/tx_chain.c, store/rule_chain.c) --
 * The types live in model/chain_doc.h, which checks documents without a database. */
struct kt_chain_doc;
struct kt_chain_plan;

/* Applies doc, a document kt_chain_doc_parse() accepted, in ONE transaction:
 * customers and suppliers upserted by key; services upserted by key, each
 * getting a new chain version (document and component rows) when its chain
 * differs from its current version. With dry_run the same transaction is
 * rolled back, so the plan is exactly what a real run would do. Fills plan
 * (the caller's struct; kt_chain_plan_release() it) with one change per
 * entry of doc, sorted. Fails, applying nothing, with invalid "invalid_chain"
 * and a detail per problem (a customer or supplier found neither in doc nor
 * in the database, a service changing customer, a contract a supplier of
 * doc no longer has while a component of a service's current chain
 * version still names it: at "/suppliers/N/contracts"), or a database
 * error. */
int kt_store_chain_import(struct kt_db *db, const struct kt_chain_doc *doc,
			  int dry_run, struct kt_chain_plan *plan,
			  struct kt_err *err);

/* What a write of ONE entity through the integrator API expects of it. */
enum kt_chain_want {
	KT_CHAIN_UPSERT,               /* the import's way: create or update */
	KT_CHAIN_CREATE,               /* must be new: conflict "already_exists" */
	KT_CHAIN_REPLACE,              /* must exist: not_found "not_found" */
};

/* The steps of kt_store_chain_import inside the caller's transaction
 * (begins, commits and rolls back nothing; the caller rolls back on
 * failure): takes the import lock, checks want (doc must then hold exactly
 * one customer, supplier or service), then checks and applies doc as the
 * import does. dry_run only leaves new services' ids out of the plan. */
int kt_store_chain_apply(struct kt_db *db, const struct kt_chain_doc *doc,
			 enum kt_chain_want want, int dry_run,
			 struct kt_chain_plan *plan, struct kt_err *err);

/* The chain document of what the database holds, read in one statement:
 * every customer and supplier (each supplier with its visibility, mapping
 * and contracts) and every service as its current chain version's
 * document, each list in key order. With service_key (else NULL): only that
 * service, its customer and the suppliers its chain names (components'
 * suppliers and alternates), so that the document imports on its own.
 * Returns a new reference, or NULL with err set: not_found "unknown_service", or
 * a database error. */
json_t *kt_store_chain_export(struct kt_db *db, const char *service_key,
			      struct kt_err *err);

#endif
