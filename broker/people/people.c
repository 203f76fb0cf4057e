/* people.c - a new person's fields and the one-time links of invites and
 * resets (see people/people.h). */
#include <string.h>

#include "base/crypto.h"
#include "base/json_field.h"
#include "people/people.h"
#include "store/row_link.h"
#include "store/tx_person.h"

int kt_people_email_ok(const char *email)
{
	size_t n = strlen(email);
	const char *at = strchr(email, '@');

	if (n < 3 || n > 254 || !at || at == email || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)email[i] <= ' ' || email[i] == 0x7f)
			return 0;
	return 1;
}

int kt_people_parse_new(const json_t *body, struct kt_person_new *out, struct kt_err *err)
{
	static const char *const known[] = { "email", "name", "role", "customer" };
	const char *role;

	memset(out, 0, sizeof(*out));
	kt_json_unknown_members(body, known, 4, "a member of a person", err);
	out->email = kt_json_text_member(body, "email", 1, 3, 254, err);
	if (out->email && !kt_people_email_ok(out->email))
		kt_err_detail(err, "/email", "must be an email address");
	out->name = kt_json_text_member(body, "name", 1, 1, 200, err);
	role = kt_json_text_member(body, "role", 1, 1, 16, err);
	if (role && (kt_role_parse(role, &out->role) != KT_OK || out->role == KT_ROLE_SUPPLIER))
		kt_err_detail(err, "/role", "must be integrator or customer");
	out->customer = kt_json_text_member(body, "customer", 0, 1, 64, err);
	if (role && out->role == KT_ROLE_CUSTOMER && !out->customer &&
	    !json_object_get(body, "customer"))
		kt_err_detail(err, "/customer", "is required for a customer's person");
	else if (role && out->role == KT_ROLE_INTEGRATOR && out->customer)
		kt_err_detail(err, "/customer", "goes only with role customer");
	if (err->details)
		return kt_err_set(err, KT_EC_INVALID, "invalid_person", "the person is not valid");
	return KT_OK;
}

/* A fresh link token in token and its hash's hex in hash. */
static int new_token(char token[KT_TOKEN_MAX], char hash[KT_SHA256_HEX_LEN + 1],
		     struct kt_err *err)
{
	if (kt_auth_token_new(token, KT_TOKEN_MAX, err))
		return KT_ERR;
	kt_crypto_sha256_hex(token, strlen(token), hash);
	return KT_OK;
}

/* Adds the token and the page's path to link (stored fields). */
static void link_add_token(json_t *link, const char *token)
{
	char path[sizeof(KT_PEOPLE_LINK_PATH) + KT_TOKEN_MAX];

	snprintf(path, sizeof(path), "%s%s", KT_PEOPLE_LINK_PATH, token);
	json_object_del(link, "person_id");
	json_object_set_new(link, "token", json_string(token));
	json_object_set_new(link, "path", json_string(path));
}

json_t *kt_people_invite(struct kt_db *db, const struct kt_person_new *p, int ttl_s,
			 struct kt_err *err)
{
	char token[KT_TOKEN_MAX], hash[KT_SHA256_HEX_LEN + 1];
	json_t *v = NULL;

	if (new_token(token, hash, err) == KT_OK &&
	    (v = kt_store_person_invite(db, p->email, p->name, p->role, p->customer, ttl_s,
					hash, err)))
		link_add_token(json_object_get(v, "link"), token);
	kt_crypto_wipe(token, sizeof(token));
	return v;
}

json_t *kt_people_reset(struct kt_db *db, const char *who, int ttl_s, struct kt_err *err)
{
	char token[KT_TOKEN_MAX], hash[KT_SHA256_HEX_LEN + 1];
	json_t *link = NULL, *v = NULL;

	if (new_token(token, hash, err) == KT_OK &&
	    (link = kt_store_link_create(db, who, "reset", ttl_s, hash, err))) {
		v = json_pack("{s:O, s:O}", "person_id", json_object_get(link, "person_id"),
			      "link", link);
		link_add_token(json_object_get(v, "link"), token);
	}
	json_decref(link);
	kt_crypto_wipe(token, sizeof(token));
	return v;
}
