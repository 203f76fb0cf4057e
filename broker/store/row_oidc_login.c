/* row_oidc_login.c - single sign-on attempts (store/row_oidc_login.h). A
 * row file: the oidc_logins table. */
#include "store/internal.h"
#include "store/row_oidc_login.h"

int kt_store_oidc_login_put(struct kt_db *db, const char *state_hash,
			    const struct kt_oidc_login *login, int ttl_s,
			    struct kt_err *err)
{
	char ttl[16];
	const char *params[] = { state_hash, login->nonce, login->verifier, login->next, ttl };

	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	return kt_db_cmd(db,
		"WITH gone AS (DELETE FROM oidc_logins WHERE state_hash = ANY (ARRAY("
		"  SELECT state_hash FROM oidc_logins"
		"  WHERE expires_at < now() - interval '1 hour' LIMIT 16)))"
		" INSERT INTO oidc_logins (state_hash, nonce, verifier, next_path, expires_at)"
		" VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::integer))",
		5, params, err);
}

int kt_store_oidc_login_take(struct kt_db *db, const char *state_hash,
			     struct kt_oidc_login *out, struct kt_err *err)
{
	const char *params[] = { state_hash };
	PGresult *res;
	int rc = KT_OK;

	res = kt_db_exec(db,
		"UPDATE oidc_logins SET used_at = now()"
		" WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now()"
		" RETURNING nonce, verifier, next_path", 1, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		rc = kt_err_set(err, KT_EC_UNAUTHENTICATED, "invalid_login_state",
				"this sign-in link is unknown, used or expired: sign in again");
	} else {
		snprintf(out->nonce, sizeof(out->nonce), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->verifier, sizeof(out->verifier), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->next, sizeof(out->next), "%s", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return rc;
}
