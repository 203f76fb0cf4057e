/* auth.c - making, hashing and reading API keys (pure; the lookup of a
 * key's principal is in store/row_key.c). */
#include <strings.h>

#include "base/crypto.h"
#include "http/auth.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int kt_auth_token_new(char *out, size_t outsz, struct kt_err *err)
{
	unsigned char raw[32];
	size_t o = 0;

	if (outsz < KT_TOKEN_MAX)
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "token buffer too small");
	if (kt_crypto_random(raw, sizeof(raw)))
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "could not get random bytes");
	out[o++] = 'k';
	out[o++] = 't';
	out[o++] = '_';
	for (size_t i = 0; i < sizeof(raw); i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		size_t n = sizeof(raw) - i < 3 ? sizeof(raw) - i : 3;

		if (n > 1)
			v |= (unsigned)raw[i + 1] << 8;
		if (n > 2)
			v |= raw[i + 2];
		for (size_t k = 0; k <= n; k++)
			out[o++] = b64url[(v >> (18 - 6 * k)) & 63];
	}
	out[o] = '\0';
	return KT_OK;
}

void kt_auth_hash(const char *token, unsigned char out[KT_KEY_HASH_LEN])
{
	kt_crypto_sha256(token, strlen(token), out);
}

int kt_auth_bearer(const char *header, char *out, size_t outsz,
		   struct kt_err *err)
{
	size_t len;

	if (!header || !*header)
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "unauthorized",
				  "missing Authorization header with a bearer key");
	if (strncasecmp(header, "Bearer ", 7) != 0)
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "unauthorized",
				  "Authorization must be \"Bearer <key>\"");
	header += 7;
	while (*header == ' ')
		header++;
	len = strlen(header);
	while (len > 0 && header[len - 1] == ' ')
		len--;
	if (len == 0 || len >= outsz || len >= KT_TOKEN_MAX)
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "unauthorized", "malformed bearer key");
	for (size_t i = 0; i < len; i++)
		if (!strchr(b64url, header[i]))
			return kt_err_set(err, KT_EC_UNAUTHENTICATED, "unauthorized", "malformed bearer key");
	memcpy(out, header, len);
	out[len] = '\0';
	return KT_OK;
}

static const char *const role_names[] = { "integrator", "customer", "supplier" };

const char *kt_role_name(enum kt_role role)
{
	return (unsigned)role < 3 ? role_names[role] : "unknown";
}

int kt_role_parse(const char *name, enum kt_role *out)
{
	for (int i = 0; name && i < 3; i++)
		if (strcmp(role_names[i], name) == 0) {
			*out = (enum kt_role)i;
			return KT_OK;
		}
	return KT_ERR;
}

void kt_principal_actor(const struct kt_principal *p, char *out, size_t outsz)
{
	if (p->role == KT_ROLE_SUPPLIER)
		snprintf(out, outsz, "supplier:%s", p->supplier_key);
	else
		snprintf(out, outsz, "%s", kt_role_name(p->role));
}

const char *kt_principal_acting_id(const struct kt_principal *p)
{
	return p->person_id[0] ? p->person_id : p->key_id;
}

void kt_principal_scope(const struct kt_principal *p, char *out, size_t outsz)
{
	if (p->person_id[0])
		snprintf(out, outsz, "p:%s", p->person_id);
	else
		snprintf(out, outsz, "%s", p->key_id);
}
