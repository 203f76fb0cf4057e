/* row_person.c - people who sign in: creating one, finding one by email
 * for a sign-in, reading and listing them (see store/row_person.h). A row
 * file: the people table. */
#include "store/internal.h"
#include "store/row_person.h"

/* The person with id or email $1. */
#define WHO "(p.id::text = lower($1) OR lower(p.email) = lower($1))"

json_t *kt_store_person_create(struct kt_db *db, const char *email, const char *name,
			       enum kt_role role, const char *customer,
			       const char *password_hash, struct kt_err *err)
{
	const char *params[] = { email, name, kt_role_name(role), customer, password_hash };
	const char *code;
	json_t *v, *person;

	/* ON CONFLICT without a target: the email's unique index. */
	v = kt_db_json(db,
		"WITH c AS (SELECT id FROM customers WHERE $3 = 'customer'"
		"   AND (key = $4 OR id::text = lower($4))),"
		" ins AS (INSERT INTO people (email, name, role, customer_id, password_hash)"
		"  SELECT $1, $2, $3, (SELECT id FROM c), $5"
		"  WHERE $3 = 'integrator' OR EXISTS (SELECT 1 FROM c)"
		"  ON CONFLICT DO NOTHING RETURNING *)"
		" SELECT CASE WHEN EXISTS (SELECT 1 FROM ins)"
		"  THEN (SELECT json_build_object('person', " KT_STORE_PERSON_JSON ") FROM ins p)"
		"  WHEN $3 = 'customer' AND NOT EXISTS (SELECT 1 FROM c)"
		"  THEN json_build_object('error', 'unknown_customer')"
		"  ELSE json_build_object('error', 'person_exists') END", 5, params, NULL, err);
	if (!v)
		return NULL;
	code = json_string_value(json_object_get(v, "error"));
	if (code && strcmp(code, "unknown_customer") == 0)
		kt_err_set(err, KT_EC_INVALID, "unknown_customer", "no customer \"%s\"",
			   customer ? customer : "");
	else if (code)
		kt_err_set(err, KT_EC_CONFLICT, "person_exists",
			   "a person with this email exists already");
	person = code ? NULL : json_incref(json_object_get(v, "person"));
	json_decref(v);
	return person;
}

int kt_store_person_by_email(struct kt_db *db, const char *email, struct kt_person *out,
			     int *found, struct kt_err *err)
{
	const char *params[] = { email };
	PGresult *res;

	memset(out, 0, sizeof(*out));
	*found = 0;
	res = kt_db_exec(db,
		"SELECT id, role, coalesce(customer_id::text, ''), coalesce(password_hash, ''),"
		"  disabled_at IS NOT NULL"
		" FROM people WHERE lower(email) = lower($1)", 1, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) == 1 && kt_role_parse(PQgetvalue(res, 0, 1), &out->role) == KT_OK) {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->customer_id, sizeof(out->customer_id), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->password_hash, sizeof(out->password_hash), "%s", PQgetvalue(res, 0, 3));
		out->disabled = PQgetvalue(res, 0, 4)[0] == 't';
		*found = 1;
	}
	PQclear(res);
	return KT_OK;
}

json_t *kt_store_person_get(struct kt_db *db, const char *who, struct kt_err *err)
{
	const char *params[] = { who };
	int found = 0;
	json_t *v = kt_db_json(db, "SELECT " KT_STORE_PERSON_JSON " FROM people p WHERE " WHO,
			       1, params, &found, err);

	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_person", "no person \"%s\"", who);
	return v;
}

json_t *kt_store_person_list(struct kt_db *db, int limit, const char *cursor,
			     struct kt_err *err)
{
	return kt_db_id_page(db, KT_STORE_ID_PAGE("people", "p", KT_STORE_PERSON_JSON),
			     limit, cursor, err);
}
