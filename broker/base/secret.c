/* secret.c - reads secrets named by reference from the environment or a
 * file, at the moment they are needed. */
#include <ctype.h>
#include <errno.h>

#include "base/crypto.h"
#include "base/secret.h"

#define SECRET_MAX 4096

static int trimmed_copy(const char *s, size_t len, char **out)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return KT_ERR;
	*out = malloc(len + 1);
	if (!*out)
		return KT_ERR;
	memcpy(*out, s, len);
	(*out)[len] = '\0';
	return KT_OK;
}

int kt_secret_resolve(const char *ref, char **out, struct kt_err *err)
{
	*out = NULL;
	if (ref && strncmp(ref, "env:", 4) == 0) {
		const char *v = getenv(ref + 4);

		if (!v || trimmed_copy(v, strlen(v), out) != KT_OK)
			return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
					  "secret \"%s\" is not set", ref);
		return KT_OK;
	}
	if (ref && strncmp(ref, "file:", 5) == 0) {
		char buf[SECRET_MAX];
		size_t n;
		FILE *f = fopen(ref + 5, "r");
		int rc;

		if (!f)
			return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
					  "could not read secret \"%s\": %s", ref, strerror(errno));
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		rc = n < sizeof(buf) ? trimmed_copy(buf, n, out) : KT_ERR;
		kt_crypto_wipe(buf, sizeof(buf));
		if (rc != KT_OK)
			return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
					  "secret file \"%s\" is empty or too large", ref);
		return KT_OK;
	}
	return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
			  "secret reference \"%s\" must start with env: or file:", ref ? ref : "");
}

void kt_secret_free(char *secret)
{
	if (!secret)
		return;
	kt_crypto_wipe(secret, strlen(secret));
	free(secret);
}
