/* migrate.c - applies the embedded numbered migrations and records
 * each in schema_migrations; re-running is a no-op. Also tells a starting
 * broker which of its migrations the database still lacks. */
#include "store/migrations.h"
#include "store/internal.h"

/* Any fixed number: the key of the session-level advisory lock that keeps
 * two `keten migrate` runs from applying the same migration at once. */
#define MIGRATE_LOCK "4242001"

/* Whether migration version is recorded as applied. */
static int applied_already(PGresult *recorded, int version)
{
	for (int i = 0; i < PQntuples(recorded); i++)
		if ((int)strtol(PQgetvalue(recorded, i, 0), NULL, 10) == version)
			return 1;
	return 0;
}

int kt_store_migrate(struct kt_db *db, int *applied, struct kt_err *err)
{
	const char *lock[] = { MIGRATE_LOCK };
	PGresult *recorded = NULL;
	int rc = KT_ERR;

	*applied = 0;
	if (kt_db_cmd(db, "SELECT pg_advisory_lock($1::bigint)", 1, lock, err) ||
	    kt_db_cmd(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version integer PRIMARY KEY, name text NOT NULL,"
			  " applied_at timestamptz NOT NULL DEFAULT now())",
		      0, NULL, err))
		goto unlock;
	/* Every migration not recorded yet, in order: one that arrived with a
	 * lower number than one already applied is applied too. */
	recorded = kt_db_exec(db, "SELECT version FROM schema_migrations", 0, NULL, err);
	if (!recorded)
		goto unlock;
	for (int i = 0; i < kt_migrations_count; i++) {
		const struct kt_migration *m = &kt_migrations[i];
		char num[16];
		const char *rec[] = { num, m->name };
		PGresult *res;

		if (applied_already(recorded, m->version))
			continue;
		snprintf(num, sizeof(num), "%d", m->version);
		if (kt_db_begin(db, err))
			goto unlock;
		/* PQexec, not PQexecParams: a migration holds several statements. */
		res = PQexec(db->conn, m->sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			kt_err_set(err, KT_EC_INTERNAL, "migration_failed",
				   "migration \"%s\" failed: %s", m->name,
				   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
			PQclear(res);
			kt_db_rollback(db);
			goto unlock;
		}
		PQclear(res);
		if (kt_db_cmd(db, "INSERT INTO schema_migrations (version, name)"
				  " VALUES ($1::integer, $2)", 2, rec, err) ||
		    kt_db_commit(db, err)) {
			kt_db_rollback(db);
			goto unlock;
		}
		(*applied)++;
	}
	rc = KT_OK;
unlock:
	PQclear(recorded);
	kt_db_cmd(db, "SELECT pg_advisory_unlock($1::bigint)", 1, lock, NULL);
	return rc;
}

int kt_store_migrations_missing(struct kt_db *db, const struct kt_migration **first,
				int *missing, struct kt_err *err)
{
	PGresult *recorded;
	int exists;

	*first = NULL;
	*missing = 0;
	recorded = kt_db_exec(db, "SELECT to_regclass('schema_migrations') IS NOT NULL",
			      0, NULL, err);
	if (!recorded)
		return KT_ERR;
	exists = PQgetvalue(recorded, 0, 0)[0] == 't';
	PQclear(recorded);
	recorded = kt_db_exec(db, exists ? "SELECT version FROM schema_migrations"
					 : "SELECT 0 WHERE false",
			      0, NULL, err);
	if (!recorded)
		return KT_ERR;
	for (int i = 0; i < kt_migrations_count; i++) {
		if (applied_already(recorded, kt_migrations[i].version))
			continue;
		if (!*first)
			*first = &kt_migrations[i];
		(*missing)++;
	}
	PQclear(recorded);
	return KT_OK;
}
