/* api_oidc.h - the single sign-on routes (README "Single sign-on (OpenID
 * Connect)"): GET /v1/oidc/login, GET /v1/oidc/callback and
 * GET /v1/session/methods. None needs an API key. */
#ifndef KETEN_PORTAL_API_OIDC_H
#define KETEN_PORTAL_API_OIDC_H

#include "http/api.h"

/* GET /v1/oidc/login?next=/path: keeps a new sign-in attempt (state,
 * nonce, PKCE verifier, next when it is a path of this site, else /) and
 * answers 302 to the provider's authorization endpoint. 404 "sso_off"
 * (JSON) when single sign-on is not configured; the provider's failures
 * as portal/oidc_client.h says, answered as a small HTML page (a
 * person's browser shows it). */
int kt_api_oidc_login(struct kt_db *db, struct kt_request *r, struct kt_err *err);

/* GET /v1/oidc/callback?code=&state=: takes the attempt of state (once,
 * unexpired), exchanges the code, checks the ID token, maps its claims
 * to a role and customer (403 "oidc_no_role" / "oidc_no_customer"
 * otherwise), keeps the person by (issuer, subject), opens a session
 * and answers 302 to the attempt's next with its cookie. Failures as an
 * HTML page with the error's status; 404 "sso_off" as for the login. */
int kt_api_oidc_callback(struct kt_db *db, struct kt_request *r, struct kt_err *err);

/* GET /v1/session/methods: {"password": true, "oidc": {"enabled",
 * "label", "login_url"}} for the sign-in page. */
int kt_api_session_methods(struct kt_db *db, struct kt_request *r, struct kt_err *err);

#endif
