/* row_link.c - making a person's one-time link (see store/row_link.h). A
 * row file: the person_links table (the person read beside it). */
#include "store/internal.h"
#include "store/row_link.h"

json_t *kt_store_link_create(struct kt_db *db, const char *who, const char *kind, int ttl_s,
			     const char hash_hex[KT_SHA256_HEX_LEN + 1], struct kt_err *err)
{
	char ttl[16];
	const char *params[] = { who, kind, ttl, hash_hex };
	const char *code;
	json_t *v, *link;

	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	v = kt_db_json(db,
		"WITH p AS (SELECT id, disabled_at FROM people"
		"  WHERE id::text = lower($1) OR lower(email) = lower($1)),"
		" old AS (UPDATE person_links l SET expires_at = least(l.expires_at, now())"
		"  FROM p WHERE l.person_id = p.id AND p.disabled_at IS NULL AND l.used_at IS NULL),"
		" ins AS (INSERT INTO person_links (token_hash, person_id, kind, expires_at)"
		"  SELECT decode($4, 'hex'), p.id, $2, now() + make_interval(secs => $3::integer)"
		"  FROM p WHERE p.disabled_at IS NULL RETURNING person_id, kind, expires_at)"
		" SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM p) THEN json_build_object('error', 'unknown')"
		"  WHEN NOT EXISTS (SELECT 1 FROM ins) THEN json_build_object('error', 'disabled')"
		"  ELSE (SELECT json_build_object('person_id', person_id, 'kind', kind,"
		"   'expires_at', kt_ts(expires_at)) FROM ins) END", 4, params, NULL, err);
	if (!v)
		return NULL;
	code = json_string_value(json_object_get(v, "error"));
	if (code && strcmp(code, "unknown") == 0)
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_person", "no person \"%s\"", who);
	else if (code)
		kt_err_set(err, KT_EC_CONFLICT, "person_disabled", "the person is disabled");
	link = code ? NULL : json_incref(v);
	json_decref(v);
	return link;
}
