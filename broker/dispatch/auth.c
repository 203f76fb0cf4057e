/* auth.c - the auth modules of dispatch/auth.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/webhook_sign.h"
#include "dispatch/auth.h"

static const char *const kind_names[] = {
	[KT_AUTH_STANDARD_WEBHOOKS] = "standard-webhooks",
	[KT_AUTH_BASIC] = "basic",
	[KT_AUTH_BEARER] = "bearer",
	[KT_AUTH_HEADER] = "header",
	[KT_AUTH_OAUTH2] = "oauth2-client-credentials",
};

int kt_auth_kind(const json_t *auth, enum kt_auth_kind *out)
{
	const char *kind = json_string_value(json_object_get(auth, "kind"));

	if (!auth || json_is_null(auth)) {
		*out = KT_AUTH_STANDARD_WEBHOOKS;
		return 0;
	}
	for (size_t i = 0; kind && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind, kind_names[i]) == 0) {
			*out = (enum kt_auth_kind)i;
			return 0;
		}
	return -1;
}

static const char *member(const json_t *auth, const char *name)
{
	return json_string_value(json_object_get(auth, name));
}

/* Appends "name: value" (value as len bytes). */
static int add_line(char **lines, size_t *n, size_t max, const char *name, const char *value,
		    size_t len, struct kt_err *err)
{
	size_t size = strlen(name) + 2 + len + 1;
	char *line;

	if (*n >= max || !(line = malloc(size)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not add a header");
	snprintf(line, size, "%s: %.*s", name, (int)len, value);
	lines[(*n)++] = line;
	return KT_OK;
}

/* The first secret of a space-separated list, and its length. */
static const char *first_secret(const char *secrets, size_t *len, struct kt_err *err)
{
	const char *s = secrets ? secrets + strspn(secrets, " ") : NULL;

	*len = s ? strcspn(s, " ") : 0;
	if (*len == 0) {
		kt_err_set(err, KT_EC_CONFIG, "bad_secret", "the supplier's secret is empty");
		return NULL;
	}
	return s;
}

static int standard_webhooks(const struct kt_auth_input *in, char **lines, size_t *n,
			     size_t max, struct kt_err *err)
{
	char ts[24], *sig = NULL;
	int rc;

	if (kt_webhook_sign(in->secrets, in->sign_id, in->now_s, in->body, in->body_len, &sig,
			    err))
		return KT_ERR;
	snprintf(ts, sizeof(ts), "%lld", in->now_s);
	rc = add_line(lines, n, max, "webhook-id", in->sign_id, strlen(in->sign_id), err) ||
	     add_line(lines, n, max, "webhook-timestamp", ts, strlen(ts), err) ||
	     add_line(lines, n, max, "webhook-signature", sig, strlen(sig), err);
	free(sig);
	return rc ? KT_ERR : KT_OK;
}

static int basic(const struct kt_auth_input *in, char **lines, size_t *n, size_t max,
		 struct kt_err *err)
{
	const char *user = member(in->auth, "username");
	size_t slen, ulen = user ? strlen(user) : 0;
	const char *secret = first_secret(in->secrets, &slen, err);
	char plain[1024], enc[KT_BASE64_LEN(sizeof(plain)) + 1];
	int rc;

	if (!secret)
		return KT_ERR;
	if (!user)
		return kt_err_set(err, KT_EC_CONFIG, "bad_auth", "kind basic needs a username");
	if (ulen + 1 + slen > sizeof(plain))
		return kt_err_set(err, KT_EC_CONFIG, "bad_secret",
				  "the basic credentials are longer than %zu bytes", sizeof(plain));
	memcpy(plain, user, ulen);
	plain[ulen] = ':';
	memcpy(plain + ulen + 1, secret, slen);
	memcpy(enc, "Basic ", 6);
	kt_crypto_base64_encode(plain, ulen + 1 + slen, enc + 6);
	rc = add_line(lines, n, max, "Authorization", enc, strlen(enc), err);
	kt_crypto_wipe(plain, sizeof(plain));
	kt_crypto_wipe(enc, sizeof(enc));
	return rc;
}

/* "<name>: <prefix><value>" with value len bytes, wiping the copy. */
static int secret_line(char **lines, size_t *n, size_t max, const char *name,
		       const char *prefix, const char *value, size_t len, struct kt_err *err)
{
	size_t plen = strlen(prefix);
	char *v = malloc(plen + len + 1);
	int rc;

	if (!v)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	memcpy(v, prefix, plen);
	memcpy(v + plen, value, len);
	v[plen + len] = '\0';
	rc = add_line(lines, n, max, name, v, plen + len, err);
	kt_crypto_wipe(v, plen + len);
	free(v);
	return rc;
}

int kt_auth_lines(const struct kt_auth_input *in, char **lines, size_t *n, size_t max,
		  struct kt_err *err)
{
	enum kt_auth_kind kind;
	const char *secret;
	char prefix[72];
	size_t len;

	if (kt_auth_kind(in->auth, &kind) != 0)
		return kt_err_set(err, KT_EC_CONFIG, "bad_auth", "unknown auth kind");
	switch (kind) {
	case KT_AUTH_STANDARD_WEBHOOKS:
		return standard_webhooks(in, lines, n, max, err);
	case KT_AUTH_BASIC:
		return basic(in, lines, n, max, err);
	case KT_AUTH_BEARER:
		if (!(secret = first_secret(in->secrets, &len, err)))
			return KT_ERR;
		snprintf(prefix, sizeof(prefix), "%s ",
			 member(in->auth, "scheme") ? member(in->auth, "scheme") : "Bearer");
		return secret_line(lines, n, max, "Authorization", prefix, secret, len, err);
	case KT_AUTH_HEADER:
		if (!(secret = first_secret(in->secrets, &len, err)))
			return KT_ERR;
		if (!member(in->auth, "header"))
			return kt_err_set(err, KT_EC_CONFIG, "bad_auth",
					  "kind header needs the header's name");
		return secret_line(lines, n, max, member(in->auth, "header"), "", secret, len, err);
	case KT_AUTH_OAUTH2:
		if (!in->token)
			return kt_err_set(err, KT_EC_INTERNAL, "internal", "no OAuth2 token yet");
		return secret_line(lines, n, max, "Authorization", "Bearer ", in->token,
				   strlen(in->token), err);
	}
	return kt_err_set(err, KT_EC_CONFIG, "bad_auth", "unknown auth kind");
}

/* Appends "&name=value" (the '&' only after the first), value
 * percent-encoded as application/x-www-form-urlencoded wants. */
static void form_add(char *buf, size_t size, size_t *len, const char *name, const char *value,
		     size_t vlen)
{
	static const char hex[] = "0123456789ABCDEF";

	*len += (size_t)snprintf(buf + *len, *len < size ? size - *len : 0, "%s%s=",
				 *len ? "&" : "", name);
	for (size_t i = 0; i < vlen && *len + 4 < size; i++) {
		unsigned char ch = (unsigned char)value[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			buf[(*len)++] = (char)ch;
		} else {
			buf[(*len)++] = '%';
			buf[(*len)++] = hex[ch >> 4];
			buf[(*len)++] = hex[ch & 15];
		}
	}
	if (*len < size)
		buf[*len] = '\0';
}

int kt_auth_token_request(const json_t *auth, const char *secret, struct kt_http_request *out,
			  struct kt_err *err)
{
	const char *id = member(auth, "client_id"), *scope = member(auth, "scope");
	const char *url = member(auth, "token_url");
	size_t slen, len = 0, size;
	const char *s = first_secret(secret, &slen, err);
	char *body;

	if (!s)
		return KT_ERR;
	if (!id || !url)
		return kt_err_set(err, KT_EC_CONFIG, "bad_auth",
				  "oauth2-client-credentials needs token_url and client_id");
	size = 64 + 3 * (strlen(id) + slen + (scope ? strlen(scope) : 0));
	if (!(body = malloc(size)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	form_add(body, size, &len, "grant_type", "client_credentials", 18);
	form_add(body, size, &len, "client_id", id, strlen(id));
	form_add(body, size, &len, "client_secret", s, slen);
	if (scope)
		form_add(body, size, &len, "scope", scope, strlen(scope));
	if (kt_http_request_set(out, "POST", url, body, "application/x-www-form-urlencoded",
				err))
		return KT_ERR;
	if (kt_http_request_add_header(out, "accept", "application/json") != 0) {
		kt_http_request_release(out);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	return KT_OK;
}

int kt_auth_token_read(long http_status, const char *body, size_t len, char **token,
		       long long *expires_in_s, struct kt_err *err)
{
	json_t *doc = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *tok = json_string_value(json_object_get(doc, "access_token"));
	const char *code = json_string_value(json_object_get(doc, "error"));
	json_t *exp = json_object_get(doc, "expires_in");
	int rc = KT_OK;

	*token = NULL;
	if (http_status < 200 || http_status > 299 || !tok || !*tok) {
		rc = kt_err_set(err, KT_EC_SUPPLIER, "bad_token_answer",
				"the token endpoint answered HTTP %ld%s%.64s", http_status,
				code ? ": " : " without an access_token", code ? code : "");
	} else if (!(*token = strdup(tok))) {
		rc = kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	} else {
		*expires_in_s = json_is_integer(exp) && json_integer_value(exp) > 0
					? json_integer_value(exp) : 3600;
		if (*expires_in_s > KT_AUTH_TOKEN_MAX_S)
			*expires_in_s = KT_AUTH_TOKEN_MAX_S;
	}
	json_decref(doc);
	return rc;
}
