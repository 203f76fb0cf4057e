/* tx_session.c - opening a session (see store/tx_session.h): one
 * statement that ends the caller's old session, if any, drops a few
 * sessions over for a day (no sweep needed), and stores the new one's
 * token hash. */
#include "store/internal.h"
#include "store/tx_session.h"

int kt_store_session_open(struct kt_db *db, const char *person_id, const char *client,
			  int absolute_s, const char *old_hash_hex,
			  struct kt_session_opened *out, struct kt_err *err)
{
	char hash[KT_SHA256_HEX_LEN + 1], life[16];
	const char *params[] = { hash, person_id, out->csrf, life, client, old_hash_hex };
	PGresult *res;
	int rc = KT_OK;

	memset(out, 0, sizeof(*out));
	if (kt_auth_token_new(out->token, sizeof(out->token), err) ||
	    kt_auth_token_new(out->csrf, sizeof(out->csrf), err))
		return KT_ERR;
	kt_crypto_sha256_hex(out->token, strlen(out->token), hash);
	snprintf(life, sizeof(life), "%d", absolute_s);
	res = kt_db_exec(db,
		"WITH old AS (UPDATE sessions SET ended_at = coalesce(ended_at, now())"
		"  WHERE $6::text IS NOT NULL AND token_hash = decode($6, 'hex')),"
		" gone AS (DELETE FROM sessions WHERE ctid = ANY (ARRAY(SELECT ctid FROM sessions"
		"  WHERE (expires_at < now() - interval '1 day' OR ended_at < now() - interval '1 day')"
		"   AND token_hash IS DISTINCT FROM decode($6, 'hex') LIMIT 100)))"
		" INSERT INTO sessions (token_hash, person_id, csrf_token, expires_at, client)"
		" SELECT decode($1, 'hex'), p.id, $3, now() + make_interval(secs => $4::integer), $5"
		" FROM people p WHERE p.id = $2::uuid AND p.disabled_at IS NULL"
		" RETURNING id", 6, params, err);
	if (!res) {
		rc = KT_ERR;
	} else if (PQntuples(res) != 1) {
		rc = kt_err_set(err, KT_EC_NOT_FOUND, "unknown_person",
				"no person \"%s\" who may sign in", person_id);
	} else {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		out->max_age_s = absolute_s;
	}
	PQclear(res);
	if (rc != KT_OK)
		kt_crypto_wipe(out, sizeof(*out));
	return rc;
}
