/* rule_watch.c - the live streams' check of their credentials (see
 * store/rule_watch.h): one read-only statement over api_keys and
 * sessions with people. */
#include "store/internal.h"
#include "store/rule_watch.h"

/* The hex hashes of creds whose session flag is session, as a PostgreSQL
 * text array literal ("{a,b}"); malloc'd, NULL when out of memory. */
static char *array_of(const struct kt_watch_cred *creds, size_t n, int session)
{
	char *out = malloc(n * (KT_SHA256_HEX_LEN + 1) + 3);
	size_t o = 0;

	if (!out)
		return NULL;
	out[o++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (creds[i].session != session)
			continue;
		if (o > 1)
			out[o++] = ',';
		memcpy(out + o, creds[i].hex, KT_SHA256_HEX_LEN);
		o += KT_SHA256_HEX_LEN;
	}
	out[o++] = '}';
	out[o] = '\0';
	return out;
}

int kt_store_watch_check(struct kt_db *db, struct kt_watch_cred *creds, size_t n, int idle_s,
			 struct kt_err *err)
{
	char *keys = array_of(creds, n, 0), *sessions = array_of(creds, n, 1), idle[16];
	const char *params[] = { keys, sessions, idle };
	PGresult *res = NULL;
	int rc = KT_ERR;

	if (!keys || !sessions) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		goto out;
	}
	snprintf(idle, sizeof(idle), "%d", idle_s);
	res = kt_db_exec(db,
		"SELECT h, false FROM unnest($1::text[]) h WHERE NOT EXISTS (SELECT 1 FROM api_keys k"
		"  WHERE k.hash = decode(h, 'hex') AND k.revoked_at IS NULL"
		"   AND (k.expires_at IS NULL OR k.expires_at > now()))"
		" UNION ALL"
		" SELECT h, true FROM unnest($2::text[]) h WHERE NOT EXISTS (SELECT 1"
		"  FROM sessions s JOIN people p ON p.id = s.person_id"
		"  WHERE s.token_hash = decode(h, 'hex') AND s.ended_at IS NULL"
		"   AND s.expires_at > now() AND p.disabled_at IS NULL"
		"   AND s.last_seen_at > now() - make_interval(secs => $3::integer))", 3, params, err);
	if (!res)
		goto out;
	for (int row = 0; row < PQntuples(res); row++) {
		int session = PQgetvalue(res, row, 1)[0] == 't';

		for (size_t i = 0; i < n; i++)
			if (creds[i].session == session && strcmp(creds[i].hex, PQgetvalue(res, row, 0)) == 0)
				creds[i].refused = 1;
	}
	rc = KT_OK;
out:
	PQclear(res);
	free(keys);
	free(sessions);
	return rc;
}
