/* row_signin.c - the sign-in throttle's counts (see store/row_signin.h).
 * A row file: the signin_throttle table. The email's subject is its
 * lower-cased SHA-256, so the table holds no address people typed. */
#include "store/internal.h"
#include "store/row_signin.h"

#define EMAIL_SUBJECT "'e:' || encode(sha256(convert_to(lower($1), 'UTF8')), 'hex')"

int kt_store_signin_check(struct kt_db *db, const char *email, const char *address,
			  const struct kt_signin_limits *lim, int *retry_s, struct kt_err *err)
{
	char window[16], me[16], ma[16];
	const char *params[] = { email, address, window, me, ma };
	PGresult *res;

	snprintf(window, sizeof(window), "%d", lim->window_s);
	snprintf(me, sizeof(me), "%d", lim->max_email);
	snprintf(ma, sizeof(ma), "%d", lim->max_address);
	res = kt_db_exec(db,
		"SELECT coalesce(max(ceil(extract(epoch FROM t.window_start"
		"   + make_interval(secs => $3::integer) - now())))::integer, 0)"
		" FROM signin_throttle t"
		" WHERE t.window_start > now() - make_interval(secs => $3::integer)"
		"  AND ((t.subject = " EMAIL_SUBJECT " AND t.failures >= $4::integer)"
		"   OR (t.subject = 'a:' || $2 AND t.failures >= $5::integer))", 5, params, err);
	if (!res)
		return KT_ERR;
	*retry_s = PQntuples(res) == 1 ? (int)strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	if (*retry_s < 0)
		*retry_s = 0;
	PQclear(res);
	return KT_OK;
}

int kt_store_signin_failed(struct kt_db *db, const char *email, const char *address,
			   const struct kt_signin_limits *lim, struct kt_err *err)
{
	char window[16];
	const char *params[] = { email, address, window };

	snprintf(window, sizeof(window), "%d", lim->window_s);
	/* Each failure also drops a few counts whose window is over, so the
	 * table stays small without a sweep. */
	return kt_db_cmd(db,
		"WITH gone AS (DELETE FROM signin_throttle WHERE ctid = ANY (ARRAY("
		"  SELECT ctid FROM signin_throttle"
		"  WHERE window_start < now() - make_interval(secs => $3::integer)"
		"   AND subject NOT IN (" EMAIL_SUBJECT ", 'a:' || $2) LIMIT 100)))"
		" INSERT INTO signin_throttle AS t (subject, failures, window_start)"
		" VALUES (" EMAIL_SUBJECT ", 1, now()), ('a:' || $2, 1, now())"
		" ON CONFLICT (subject) DO UPDATE SET"
		"  failures = CASE WHEN t.window_start > now() - make_interval(secs => $3::integer)"
		"   THEN t.failures + 1 ELSE 1 END,"
		"  window_start = CASE WHEN t.window_start > now() - make_interval(secs => $3::integer)"
		"   THEN t.window_start ELSE now() END", 3, params, err);
}

int kt_store_signin_reset(struct kt_db *db, const char *email, struct kt_err *err)
{
	const char *params[] = { email };

	return kt_db_cmd(db, "DELETE FROM signin_throttle WHERE subject = " EMAIL_SUBJECT,
			 1, params, err);
}
