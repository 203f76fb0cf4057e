/* row_person.h - people who sign in (migration 030): creating one,
 * finding one by email for a sign-in, reading and listing them as the API
 * shows them (never a password hash). A row file: the people table (a
 * customer's key read beside it). */
#ifndef KETEN_STORE_ROW_PERSON_H
#define KETEN_STORE_ROW_PERSON_H

#include <jansson.h>

#include "base/password.h"
#include "http/auth.h"
#include "store/store.h"

/* One person as a sign-in needs it. */
struct kt_person {
	char id[KT_UUID_LEN + 1];
	enum kt_role role;                       /* integrator or customer */
	char customer_id[KT_UUID_LEN + 1];       /* "" for an integrator */
	char password_hash[KT_PASSWORD_HASH_MAX]; /* "" when none is set */
	int disabled;
};

/* A person (alias p of people) as the API shows it: {id, email, name,
 * role, customer (its key) | null, customer_id | null, state (invited: no
 * password and no single sign-on yet; active; disabled), sso (signs in
 * through OpenID Connect), created_at, disabled_at}. */
#define KT_STORE_PERSON_JSON \
	"json_build_object('id', p.id, 'email', p.email, 'name', p.name, 'role', p.role," \
	" 'customer', (SELECT c.key FROM customers c WHERE c.id = p.customer_id)," \
	" 'customer_id', p.customer_id," \
	" 'state', CASE WHEN p.disabled_at IS NOT NULL THEN 'disabled'" \
	"  WHEN p.password_hash IS NULL AND p.oidc_subject IS NULL THEN 'invited' ELSE 'active' END," \
	" 'sso', p.oidc_subject IS NOT NULL," \
	" 'created_at', kt_ts(p.created_at), 'disabled_at', kt_ts(p.disabled_at))"

/* Creates a person: email (unique whatever its case), name, role
 * (integrator or customer), customer (key or uuid; customers only, else
 * NULL), password_hash (a kt_password_hash string, or NULL: invited, or
 * single sign-on only). Returns the person as KT_STORE_PERSON_JSON (new
 * reference), or NULL with err: invalid "unknown_customer", conflict
 * "person_exists" (the email is taken). */
json_t *kt_store_person_create(struct kt_db *db, const char *email, const char *name,
			       enum kt_role role, const char *customer,
			       const char *password_hash, struct kt_err *err);

/* Fills out with the person whose email is email (any case); *found 0
 * when there is none (out zeroed). KT_OK, or KT_ERR on a database error. */
int kt_store_person_by_email(struct kt_db *db, const char *email, struct kt_person *out,
			     int *found, struct kt_err *err);

/* The person whose id or email is who, as KT_STORE_PERSON_JSON (new
 * reference), or NULL with not_found "unknown_person". */
json_t *kt_store_person_get(struct kt_db *db, const char *who, struct kt_err *err);

/* Up to limit people in id order after cursor (a person's id; NULL: from
 * the start), as {"items": [person...], "next_cursor": id | null}. New
 * reference, or NULL with malformed "invalid_cursor" for a cursor that is
 * no uuid. */
json_t *kt_store_person_list(struct kt_db *db, int limit, const char *cursor,
			     struct kt_err *err);

#endif
