/* row_session.c - the principal behind a session cookie, and sign-out
 * (see store/row_session.h). A row file: the sessions table. */
#include "store/internal.h"
#include "store/row_session.h"

int kt_store_session_principal(struct kt_db *db, const char hash_hex[KT_SHA256_HEX_LEN + 1],
			       int idle_s, struct kt_principal *out, char *csrf,
			       struct kt_err *err)
{
	char idle[16], touch[16];
	const char *params[] = { hash_hex, idle, touch };
	PGresult *res;
	int rc = KT_OK;

	snprintf(idle, sizeof(idle), "%d", idle_s);
	snprintf(touch, sizeof(touch), "%d", idle_s / 10);
	memset(out, 0, sizeof(*out));
	res = kt_db_exec(db,
		"WITH s AS (SELECT s.id, s.person_id, s.csrf_token, s.last_seen_at, p.role,"
		"   coalesce(p.customer_id::text, '') AS customer_id"
		"  FROM sessions s JOIN people p ON p.id = s.person_id"
		"  WHERE s.token_hash = decode($1, 'hex') AND s.ended_at IS NULL"
		"   AND s.expires_at > now() AND p.disabled_at IS NULL"
		"   AND s.last_seen_at > now() - make_interval(secs => $2::integer)),"
		" u AS (UPDATE sessions x SET last_seen_at = now() FROM s WHERE x.id = s.id"
		"  AND s.last_seen_at < now() - make_interval(secs => $3::integer))"
		" SELECT id, person_id, csrf_token, role, customer_id FROM s", 3, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1 || kt_role_parse(PQgetvalue(res, 0, 3), &out->role) != KT_OK ||
	    strlen(PQgetvalue(res, 0, 2)) >= KT_TOKEN_MAX) {
		memset(out, 0, sizeof(*out));
		rc = kt_err_set(err, KT_EC_UNAUTHENTICATED, "session_expired",
				"the session has ended or expired: sign in again");
	} else {
		snprintf(out->session_id, sizeof(out->session_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->person_id, sizeof(out->person_id), "%s", PQgetvalue(res, 0, 1));
		snprintf(csrf, KT_TOKEN_MAX, "%s", PQgetvalue(res, 0, 2));
		snprintf(out->customer_id, sizeof(out->customer_id), "%s", PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return rc;
}

int kt_store_session_end(struct kt_db *db, const char *session_id, struct kt_err *err)
{
	const char *params[] = { session_id };

	return kt_db_cmd(db, "UPDATE sessions SET ended_at = coalesce(ended_at, now())"
			 " WHERE id = $1::uuid", 1, params, err);
}
