/* row_oidc_person.c - people kept by their OpenID Connect identity
 * (store/row_oidc_person.h). A row file: the people table. */
#include "store/internal.h"
#include "store/row_oidc_person.h"

int kt_store_oidc_person_upsert(struct kt_db *db, const struct kt_oidc_person *p,
				char *id, struct kt_err *err)
{
	const char *params[] = { p->issuer, p->subject, p->email, p->name,
				 kt_role_name(p->role), p->customer_key };
	PGresult *res;
	int rc = KT_OK;

	/* One answer row whatever happened: the person's id and state, or
	 * why there is none. */
	res = kt_db_exec(db,
		"WITH c AS (SELECT id FROM customers WHERE $5 = 'customer' AND key = $6),"
		" taken AS (SELECT 1 FROM people WHERE lower(email) = lower($3)"
		"  AND (oidc_issuer IS DISTINCT FROM $1 OR oidc_subject IS DISTINCT FROM $2)),"
		" up AS (INSERT INTO people (email, name, role, customer_id, oidc_issuer, oidc_subject)"
		"  SELECT $3, $4, $5, (SELECT id FROM c), $1, $2"
		"  WHERE ($5 = 'integrator' OR EXISTS (SELECT 1 FROM c))"
		"   AND NOT EXISTS (SELECT 1 FROM taken)"
		"  ON CONFLICT (oidc_issuer, oidc_subject) DO UPDATE SET email = EXCLUDED.email,"
		"   name = EXCLUDED.name, role = EXCLUDED.role, customer_id = EXCLUDED.customer_id"
		"  RETURNING id, disabled_at IS NOT NULL AS disabled)"
		" SELECT (SELECT id FROM up), (SELECT disabled FROM up),"
		"  EXISTS (SELECT 1 FROM taken)", 6, params, err);
	if (!res)
		return KT_ERR;
	if (!PQgetisnull(res, 0, 0) && PQgetvalue(res, 0, 1)[0] == 'f')
		snprintf(id, KT_UUID_LEN + 1, "%s", PQgetvalue(res, 0, 0));
	else if (!PQgetisnull(res, 0, 0))
		rc = kt_err_set(err, KT_EC_FORBIDDEN, "person_disabled",
				"this person may no longer sign in: ask the integrator");
	else if (PQgetvalue(res, 0, 2)[0] == 't')
		rc = kt_err_set(err, KT_EC_CONFLICT, "email_taken",
				"another account already has the email \"%s\": ask the integrator",
				p->email);
	else
		rc = kt_err_set(err, KT_EC_FORBIDDEN, "oidc_unknown_customer",
				"your account at the sign-in provider names customer \"%s\", "
				"which Keten does not know: ask the integrator",
				p->customer_key ? p->customer_key : "");
	PQclear(res);
	return rc;
}
