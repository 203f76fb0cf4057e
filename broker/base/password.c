/* password.c - the password policy and the scrypt hash string (see
 * base/password.h); the KDF itself is base/crypto.c's. */
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/password.h"
#include "base/utf8.h"

#define SALT_LEN 16
#define HASH_LEN 32

int kt_password_policy(const char *password, struct kt_err *err)
{
	size_t len = strlen(password), chars = 0;

	if (len > KT_PASSWORD_MAX_BYTES)
		return kt_err_set(err, KT_EC_INVALID, "password_too_long",
				  "a password has at most %d bytes", KT_PASSWORD_MAX_BYTES);
	for (size_t i = 0; i < len; chars++) {
		size_t n = kt_utf8_char((const unsigned char *)password + i, len - i);

		if (n == 0)
			return kt_err_set(err, KT_EC_INVALID, "password_not_utf8",
					  "a password must be UTF-8 text");
		i += n;
	}
	if (chars < KT_PASSWORD_MIN_CHARS)
		return kt_err_set(err, KT_EC_INVALID, "password_too_short",
				  "a password has at least %d characters", KT_PASSWORD_MIN_CHARS);
	return KT_OK;
}

static int derive(const char *password, const unsigned char *salt, int log_n, int r, int p,
		  unsigned char out[HASH_LEN])
{
	return kt_crypto_scrypt(password, strlen(password), salt, SALT_LEN,
				(uint64_t)1 << log_n, (uint32_t)r, (uint32_t)p, out, HASH_LEN);
}

int kt_password_hash(const char *password, char out[KT_PASSWORD_HASH_MAX],
		     struct kt_err *err)
{
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	char salt64[KT_BASE64_LEN(SALT_LEN) + 1], hash64[KT_BASE64_LEN(HASH_LEN) + 1];

	if (kt_crypto_random(salt, sizeof(salt)) ||
	    derive(password, salt, KT_PASSWORD_LOG_N, KT_PASSWORD_R, KT_PASSWORD_P, hash))
		return kt_err_set(err, KT_EC_INTERNAL, "password_hash", "could not hash the password");
	kt_crypto_base64_encode(salt, sizeof(salt), salt64);
	kt_crypto_base64_encode(hash, sizeof(hash), hash64);
	snprintf(out, KT_PASSWORD_HASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s",
		 KT_PASSWORD_LOG_N, KT_PASSWORD_R, KT_PASSWORD_P, salt64, hash64);
	kt_crypto_wipe(hash, sizeof(hash));
	return KT_OK;
}

/* Reads stored into its parameters, salt and hash; -1 when it is no hash
 * string of ours or its parameters are out of bounds. */
static int parse(const char *stored, int *log_n, int *r, int *p,
		 unsigned char salt[SALT_LEN], unsigned char hash[HASH_LEN])
{
	char salt64[KT_BASE64_LEN(SALT_LEN) + 2], hash64[KT_BASE64_LEN(HASH_LEN) + 2];
	/* The decoder needs room for whole groups of 3 bytes. */
	unsigned char s[SALT_LEN + 3], h[HASH_LEN + 3];
	int used = 0;

	if (!stored || strlen(stored) >= KT_PASSWORD_HASH_MAX ||
	    sscanf(stored, "$scrypt$ln=%2d,r=%2d,p=%2d$%25[A-Za-z0-9+/=]$%45[A-Za-z0-9+/=]%n",
		   log_n, r, p, salt64, hash64, &used) != 5 || stored[used] != '\0')
		return -1;
	if (*log_n < 10 || *log_n > 20 || *r < 1 || *r > 32 || *p < 1 || *p > 16)
		return -1;
	if (kt_crypto_base64_decode(salt64, strlen(salt64), s, sizeof(s)) != SALT_LEN ||
	    kt_crypto_base64_decode(hash64, strlen(hash64), h, sizeof(h)) != HASH_LEN)
		return -1;
	memcpy(salt, s, SALT_LEN);
	memcpy(hash, h, HASH_LEN);
	return 0;
}

int kt_password_verify(const char *password, const char *stored)
{
	unsigned char salt[SALT_LEN] = { 0 }, want[HASH_LEN] = { 0 }, got[HASH_LEN];
	int log_n, r, p, ok = parse(stored, &log_n, &r, &p, salt, want) == 0;

	if (!ok) {
		log_n = KT_PASSWORD_LOG_N;
		r = KT_PASSWORD_R;
		p = KT_PASSWORD_P;
	}
	if (derive(password, salt, log_n, r, p, got))
		ok = 0;
	ok = kt_crypto_equal(got, want, HASH_LEN) && ok;
	kt_crypto_wipe(got, sizeof(got));
	return ok;
}
