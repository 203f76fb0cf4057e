/* api_session.c - people's sessions over the API: POST /v1/session signs
 * in with email and password (throttled per email and per address across
 * nodes, scrypt on this worker), GET /v1/session says who the caller is
 * (a session or a key), DELETE /v1/session signs out on the server, POST
 * /v1/session/password sets a password through a one-time link. */
#include "base/json_field.h"
#include "base/password.h"
#include "http/api.h"
#include "people/people.h"
#include "store/row_person.h"
#include "store/row_session.h"
#include "store/row_signin.h"
#include "store/tx_person.h"
#include "store/tx_session.h"

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static void limits_of(const struct kt_config *cfg, struct kt_signin_limits *lim)
{
	lim->window_s = cfg->signin_window_s;
	lim->max_email = cfg->signin_max_failures;
	lim->max_address = cfg->signin_max_failures_address;
}

/* The sign-in's email and password from body; invalid "invalid_signin". */
static int parse_signin(const json_t *body, const char **email, const char **password,
			struct kt_err *err)
{
	static const char *const known[] = { "email", "password" };

	kt_json_unknown_members(body, known, 2, "a member of a sign-in", err);
	*email = kt_json_text_member(body, "email", 1, 1, 254, err);
	*password = kt_json_text_member(body, "password", 1, 1, KT_PASSWORD_MAX_BYTES, err);
	if (err->details)
		return kt_err_set(err, KT_EC_INVALID, "invalid_signin", "the sign-in is not valid");
	return KT_OK;
}

/* Checks email and password against the stored person; counts a failure.
 * Unknown email and wrong password answer alike (and take as long). */
static int check_password(struct kt_db *db, struct kt_request *r, const char *email,
			  const char *password, struct kt_person *who, struct kt_err *err)
{
	struct kt_signin_limits lim;
	int found = 0, retry_s = 0;

	limits_of(r->app->cfg, &lim);
	if (kt_store_signin_check(db, email, r->client, &lim, &retry_s, err))
		return KT_ERR;
	if (retry_s > 0) {
		r->retry_after_s = retry_s;
		return kt_err_set(err, KT_EC_RATE_LIMITED, "signin_throttled",
				  "too many failed sign-ins: try again in %d s", retry_s);
	}
	if (kt_store_person_by_email(db, email, who, &found, err))
		return KT_ERR;
	if (!kt_password_verify(password, found && who->password_hash[0] ? who->password_hash
									 : NULL)) {
		kt_crypto_wipe(who, sizeof(*who));
		if (kt_store_signin_failed(db, email, r->client, &lim, err))
			return KT_ERR;
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "signin_failed",
				  "wrong email or password");
	}
	if (who->disabled)
		return kt_err_set(err, KT_EC_FORBIDDEN, "person_disabled",
				  "this person may no longer sign in");
	return kt_store_signin_reset(db, email, err);
}

int kt_api_session_create(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	json_t *body = kt_api_body_json(r, err), *person = NULL;
	const char *email = NULL, *password = NULL;
	struct kt_session_opened s = { 0 };
	struct kt_person who;
	int rc = KT_ERR;

	if (!body || parse_signin(body, &email, &password, err) ||
	    check_password(db, r, email, password, &who, err) ||
	    kt_store_session_open(db, who.id, r->client, r->app->cfg->session_absolute_s,
				  or_null(r->session_hash), &s, err) ||
	    !(person = kt_store_person_get(db, who.id, err)))
		goto out;
	kt_cookie_session_set(s.token, s.max_age_s, r->set_cookie);
	r->answer = json_pack("{s:O, s:s}", "person", person, "csrf_token", s.csrf);
	r->status = 200;
	rc = KT_OK;
out:
	kt_crypto_wipe(&s, sizeof(s));
	json_decref(person);
	json_decref(body);
	return rc;
}

int kt_api_session_get(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	const struct kt_principal *p = &r->principal;
	json_t *person = json_null();

	if (r->via_session && !(person = kt_store_person_get(db, p->person_id, err)))
		return KT_ERR;
	r->answer = json_pack("{s:{s:s, s:s?, s:s?}, s:o, s:s?}",
			      "principal", "role", kt_role_name(p->role),
			      "customer_id", or_null(p->customer_id),
			      "supplier_id", or_null(p->supplier_id),
			      "person", person,
			      "csrf_token", r->via_session ? r->session_csrf : NULL);
	r->status = 200;
	return KT_OK;
}

int kt_api_session_delete(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!r->via_session)
		return kt_err_set(err, KT_EC_CONFLICT, "no_session",
				  "this request is authenticated by an API key, not a session");
	if (kt_store_session_end(db, r->principal.session_id, err))
		return KT_ERR;
	kt_cookie_session_clear(r->set_cookie);
	r->status = 204;
	return KT_OK;
}

int kt_api_session_password(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	static const char *const known[] = { "token", "password" };
	json_t *body = kt_api_body_json(r, err);
	char hash[KT_PASSWORD_HASH_MAX], link_hash[KT_SHA256_HEX_LEN + 1];
	const char *token, *password;
	int rc = KT_ERR;

	if (!body)
		return KT_ERR;
	kt_json_unknown_members(body, known, 2, "a member of a password change", err);
	token = kt_json_text_member(body, "token", 1, 1, KT_TOKEN_MAX - 1, err);
	password = kt_json_text_member(body, "password", 1, 1, 4 * KT_PASSWORD_MAX_BYTES, err);
	if (err->details) {
		kt_err_set(err, KT_EC_INVALID, "invalid_password_change",
			   "the password change is not valid");
		goto out;
	}
	if (kt_password_policy(password, err) || kt_password_hash(password, hash, err))
		goto out;
	kt_crypto_sha256_hex(token, strlen(token), link_hash);
	if (!(r->answer = kt_store_person_password_by_link(db, link_hash, hash, err)))
		goto out;
	r->status = 200;
	rc = KT_OK;
out:
	kt_crypto_wipe(hash, sizeof(hash));
	json_decref(body);
	return rc;
}
