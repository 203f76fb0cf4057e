/* api_oidc.c - the single sign-on routes (portal/api_oidc.h). A sign-in
 * crosses the loop: the worker keeps or takes the attempt, the loop calls
 * the provider (portal/oidc_client.h), the worker keeps the person and
 * opens the session. */
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "http/status.h"
#include "portal/api_oidc.h"
#include "portal/oidc_client.h"
#include "people/people.h"
#include "store/row_oidc_login.h"
#include "store/row_oidc_person.h"
#include "store/tx_session.h"

/* 32 random bytes as unpadded base64url. */
#define TOKEN_BYTES 32
#define TOKEN_LEN 43

/* What a login's loop step needs. */
struct login_step {
	char state[TOKEN_LEN + 1], nonce[TOKEN_LEN + 1], challenge[TOKEN_LEN + 1];
};

/* What a callback carries from its first worker step to its last. */
struct callback_step {
	struct kt_oidc_login login;
	char *code;                 /* owned */
	json_t *claims;             /* owned, once checked */
};

static const char *const page_head =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	"<title>Sign-in failed - Keten</title><link rel=\"stylesheet\" href=\"/css/site.css\">"
	"</head><body><main id=\"main\">"
	"<h1>Single sign-on did not sign you in</h1><p>";
static const char *const page_tail =
	"</p><p><a href=\"/signin.html\">Back to sign-in</a></p></main></body></html>\n";

/* Answers r with e as a small HTML page with e's status (a person's
 * browser shows it, not JSON) and logs e. Returns KT_OK: the answer is
 * made. */
static int html_error(struct kt_request *r, const struct kt_err *e)
{
	struct kt_buf page;

	kt_log(KT_LOG_INFO, json_pack("{s:s, s:s}", "request_id", r->request_id,
				      "error", e->code), "single sign-on refused: %s", e->message);
	kt_buf_init(&page, 4096);
	kt_buf_adds(&page, page_head);
	for (const char *p = e->message; *p; p++) {
		switch (*p) {
		case '<': kt_buf_adds(&page, "&lt;"); break;
		case '>': kt_buf_adds(&page, "&gt;"); break;
		case '&': kt_buf_adds(&page, "&amp;"); break;
		case '"': kt_buf_adds(&page, "&quot;"); break;
		case '\'': kt_buf_adds(&page, "&#39;"); break;
		default: kt_buf_add(&page, p, 1);
		}
	}
	kt_buf_adds(&page, page_tail);
	free(r->answer_text);
	json_decref(r->answer);
	r->answer = NULL;
	r->answer_text = kt_buf_detach(&page);
	r->answer_type = "text/html; charset=utf-8";
	r->status = kt_http_status_of(e->cls);
	if (!r->answer_text) {
		r->answer = json_pack("{s:{s:s, s:s}}", "error", "code", e->code,
				      "message", e->message);
		r->answer_type = NULL;
	}
	return KT_OK;
}

/* html_error of a fresh error, for the worker steps. */
static int refuse(struct kt_request *r, enum kt_err_class cls, const char *code,
		  const char *message)
{
	struct kt_err e = { 0 };

	kt_err_set(&e, cls, code, "%s", message);
	html_error(r, &e);
	kt_err_release(&e);
	return KT_OK;
}

static int random_token(char out[TOKEN_LEN + 1])
{
	unsigned char b[TOKEN_BYTES];

	if (kt_crypto_random(b, sizeof(b)) != KT_OK)
		return KT_ERR;
	kt_crypto_base64url_encode(b, sizeof(b), out);
	kt_crypto_wipe(b, sizeof(b));
	return KT_OK;
}

/* next when it is a path of this site (one leading "/", printable
 * ASCII, no backslash), else "/": a sign-in never sends a person
 * elsewhere. */
static const char *same_origin_path(const char *next)
{
	size_t n = next ? strlen(next) : 0;

	if (n == 0 || n >= KT_OIDC_LOGIN_FIELD || next[0] != '/' || next[1] == '/')
		return "/";
	for (size_t i = 0; i < n; i++)
		if (next[i] <= 0x20 || next[i] >= 0x7f || next[i] == '\\')
			return "/";
	return next;
}

static void login_ready(void *arg, const struct kt_err *e)
{
	struct kt_request *r = arg;
	struct login_step *ls = r->route_state;

	if (e) {
		html_error(r, e);
	} else if (!(r->answer_location = kt_oidc_client_authorize_url(
			     r->app->oidc, ls->state, ls->nonce, ls->challenge))) {
		refuse(r, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	} else {
		r->status = 302;
	}
	kt_http_finish(r, KT_OK, NULL);
}

static void login_step(struct kt_request *r)
{
	kt_oidc_client_discover(r->app->oidc, login_ready, r);
}

/* A JSON 404: no sign-in page links here when single sign-on is off. */
static int sso_off(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_NOT_FOUND, "sso_off",
			  "single sign-on is not configured on this broker");
}

int kt_api_oidc_login(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct kt_oidc_login login = { 0 };
	struct login_step *ls;
	unsigned char md[KT_SHA256_LEN];
	char hash[KT_SHA256_HEX_LEN + 1];
	int rc;

	if (!r->app->oidc)
		return sso_off(err);
	if (!(ls = calloc(1, sizeof(*ls))))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	r->route_state = ls;
	r->route_state_free = free;
	if (random_token(ls->state) || random_token(ls->nonce) || random_token(login.verifier))
		return kt_err_set(err, KT_EC_INTERNAL, "no_randomness",
				  "no random bytes could be had");
	kt_crypto_sha256(login.verifier, strlen(login.verifier), md);
	kt_crypto_base64url_encode(md, sizeof(md), ls->challenge);
	snprintf(login.nonce, sizeof(login.nonce), "%s", ls->nonce);
	snprintf(login.next, sizeof(login.next), "%s", same_origin_path(r->query_next));
	kt_crypto_sha256_hex(ls->state, strlen(ls->state), hash);
	rc = kt_store_oidc_login_put(db, hash, &login, r->app->oidc_cfg->login_ttl_s, err);
	kt_crypto_wipe(&login, sizeof(login));
	if (rc != KT_OK)
		return rc;
	r->loop_step = login_step;
	return KT_OK;
}

static void callback_free(void *arg)
{
	struct callback_step *cs = arg;

	if (!cs)
		return;
	json_decref(cs->claims);
	free(cs->code);
	kt_crypto_wipe(&cs->login, sizeof(cs->login));
	free(cs);
}

/* The person of claims as people keeps them: the email claim (required,
 * shaped as an account's), the name claim ("" when absent or too long). */
static int person_of(const json_t *claims, struct kt_oidc_person *p, struct kt_err *err)
{
	const char *name = json_string_value(json_object_get(claims, "name"));

	p->subject = json_string_value(json_object_get(claims, "sub"));
	p->email = json_string_value(json_object_get(claims, "email"));
	p->name = name && strlen(name) <= 200 ? name : "";
	if (!p->email || !kt_people_email_ok(p->email))
		return kt_err_set(err, KT_EC_FORBIDDEN, "oidc_no_email",
				  "your account at the sign-in provider gives no email address "
				  "(scope email): ask the integrator");
	return KT_OK;
}

/* Worker: the claims' role and customer, the person kept, a session
 * opened (a fresh token: a session the browser already had is ended),
 * its cookie and a 302 to next. Refusals are pages, faults errors. */
static int callback_sign_in(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct callback_step *cs = r->route_state;
	struct kt_oidc_person p = { .issuer = r->app->oidc_cfg->issuer };
	struct kt_session_opened opened = { 0 };
	struct kt_err e = { 0 };
	char customer[KT_OIDC_LOGIN_FIELD], id[KT_UUID_LEN + 1];
	int rc;

	if (kt_oidc_map_claims(r->app->oidc_cfg, cs->claims, &p.role, customer,
			       sizeof(customer), &e) == KT_OK &&
	    person_of(cs->claims, &p, &e) == KT_OK) {
		p.customer_key = p.role == KT_ROLE_CUSTOMER ? customer : NULL;
		if (kt_store_oidc_person_upsert(db, &p, id, &e) == KT_OK)
			kt_store_session_open(db, id, r->client, r->app->cfg->session_absolute_s,
					      r->session_hash[0] ? r->session_hash : NULL,
					      &opened, &e);
	}
	if (kt_err_isset(&e)) {
		if (e.cls == KT_EC_INTERNAL || e.cls == KT_EC_UNAVAILABLE) {
			*err = e;
			return KT_ERR;
		}
		rc = html_error(r, &e);
		kt_err_release(&e);
		return rc;
	}
	kt_cookie_session_set(opened.token, opened.max_age_s, r->set_cookie);
	kt_crypto_wipe(&opened, sizeof(opened));
	if (!(r->answer_location = strdup(cs->login.next)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	r->status = 302;
	return KT_OK;
}

static void callback_claims(void *arg, json_t *claims, const struct kt_err *e)
{
	struct kt_request *r = arg;
	struct callback_step *cs = r->route_state;

	if (!claims) {
		html_error(r, e);
		kt_http_finish(r, KT_OK, NULL);
		return;
	}
	cs->claims = claims;
	kt_http_resume(r, callback_sign_in);
}

static void callback_step(struct kt_request *r)
{
	struct callback_step *cs = r->route_state;

	kt_oidc_client_exchange(r->app->oidc, cs->code, cs->login.verifier, cs->login.nonce,
				callback_claims, r);
}

int kt_api_oidc_callback(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct callback_step *cs;
	char hash[KT_SHA256_HEX_LEN + 1];
	struct kt_err e = { 0 };

	if (!r->app->oidc)
		return sso_off(err);
	if (!r->query_state)
		return refuse(r, KT_EC_MALFORMED, "missing_state",
			      "the sign-in provider sent you back without a state: sign in again");
	if (!(cs = calloc(1, sizeof(*cs))))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	r->route_state = cs;
	r->route_state_free = callback_free;
	kt_crypto_sha256_hex(r->query_state, strlen(r->query_state), hash);
	if (kt_store_oidc_login_take(db, hash, &cs->login, &e) != KT_OK) {
		if (e.cls != KT_EC_UNAUTHENTICATED) {
			*err = e;
			return KT_ERR;
		}
		html_error(r, &e);
		kt_err_release(&e);
		return KT_OK;
	}
	if (r->query_error)
		return refuse(r, KT_EC_UNAUTHENTICATED, "oidc_provider_error",
			      "the sign-in provider did not sign you in: sign in again");
	if (!r->query_code || !(cs->code = strdup(r->query_code)))
		return refuse(r, KT_EC_MALFORMED, "missing_code",
			      "the sign-in provider sent you back without a code: sign in again");
	r->loop_step = callback_step;
	return KT_OK;
}

int kt_api_session_methods(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	const struct kt_oidc_config *c = r->app->oidc_cfg;
	int on = r->app->oidc != NULL;

	(void)db;
	r->answer = json_pack("{s:b, s:{s:b, s:s?, s:s?}}", "password", 1, "oidc",
			      "enabled", on, "label", on ? c->label : NULL,
			      "login_url", on ? "/v1/oidc/login" : NULL);
	if (!r->answer)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	r->status = 200;
	return KT_OK;
}
