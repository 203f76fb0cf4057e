/* tx_person.c - an invite (person and link together), a password set
 * through a one-time link, and disabling a person, each with the person's
 * sessions ended in the same statement (see store/tx_person.h). */
#include "store/internal.h"
#include "store/row_link.h"
#include "store/row_person.h"
#include "store/tx_person.h"

json_t *kt_store_person_invite(struct kt_db *db, const char *email, const char *name,
			       enum kt_role role, const char *customer, int ttl_s,
			       const char hash_hex[KT_SHA256_HEX_LEN + 1], struct kt_err *err)
{
	json_t *person = NULL, *link = NULL;

	if (kt_db_begin(db, err))
		return NULL;
	if (!(person = kt_store_person_create(db, email, name, role, customer, NULL, err)) ||
	    !(link = kt_store_link_create(db, json_string_value(json_object_get(person, "id")),
					  "invite", ttl_s, hash_hex, err)) ||
	    kt_db_commit(db, err)) {
		kt_db_rollback(db);
		json_decref(person);
		json_decref(link);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "person", person, "link", link);
}

json_t *kt_store_person_password_by_link(struct kt_db *db,
					 const char link_hash_hex[KT_SHA256_HEX_LEN + 1],
					 const char *password_hash, struct kt_err *err)
{
	const char *params[] = { link_hash_hex, password_hash };
	int found = 0;
	json_t *v = kt_db_json(db,
		"WITH l AS (UPDATE person_links l SET used_at = now() FROM people p"
		"  WHERE l.token_hash = decode($1, 'hex') AND l.used_at IS NULL"
		"   AND l.expires_at > now() AND p.id = l.person_id AND p.disabled_at IS NULL"
		"  RETURNING l.person_id),"
		" s AS (UPDATE sessions s SET ended_at = now() FROM l"
		"  WHERE s.person_id = l.person_id AND s.ended_at IS NULL),"
		" p AS (UPDATE people p SET password_hash = $2 FROM l WHERE p.id = l.person_id"
		"  RETURNING p.*)"
		" SELECT " KT_STORE_PERSON_JSON " FROM p", 2, params, &found, err);

	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_INVALID, "link_invalid",
			   "the link is unknown, used or expired: ask for a new one");
	return v;
}

json_t *kt_store_person_disable(struct kt_db *db, const char *who, struct kt_err *err)
{
	const char *params[] = { who };
	int found = 0;
	json_t *v = kt_db_json(db,
		"WITH p AS (UPDATE people p SET disabled_at = coalesce(p.disabled_at, now())"
		"  WHERE p.id::text = lower($1) OR lower(p.email) = lower($1) RETURNING p.*),"
		" s AS (UPDATE sessions s SET ended_at = now() FROM p"
		"  WHERE s.person_id = p.id AND s.ended_at IS NULL),"
		" l AS (UPDATE person_links l SET expires_at = least(l.expires_at, now()) FROM p"
		"  WHERE l.person_id = p.id AND l.used_at IS NULL)"
		" SELECT " KT_STORE_PERSON_JSON " FROM p", 1, params, &found, err);

	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_person", "no person \"%s\"", who);
	return v;
}
