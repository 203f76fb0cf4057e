/* crypto.c - the broker's only use of libcrypto (see base/crypto.h); TLS
 * itself lives in http/tls.c. */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "base/crypto.h"
#include "keten/err.h"

void kt_crypto_sha256(const void *data, size_t len,
		      unsigned char out[KT_SHA256_LEN])
{
	unsigned int n = KT_SHA256_LEN;

	EVP_Digest(len ? data : "", len, out, &n, EVP_sha256(), NULL);
}

void kt_crypto_sha256_hex(const void *data, size_t len,
			  char out[KT_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[KT_SHA256_LEN];

	kt_crypto_sha256(data, len, md);
	for (size_t i = 0; i < KT_SHA256_LEN; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[KT_SHA256_HEX_LEN] = '\0';
}

int kt_crypto_hmac_sha256(const void *key, size_t key_len, const void *data,
			  size_t len, unsigned char out[KT_SHA256_LEN])
{
	size_t out_len = 0;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
		       len ? data : "", len, out, KT_SHA256_LEN, &out_len) ||
	    out_len != KT_SHA256_LEN)
		return KT_ERR;
	return KT_OK;
}

size_t kt_crypto_base64_encode(const void *in, size_t len, char *out)
{
	/* EVP_EncodeBlock takes an int: encode in slices of whole groups. */
	const size_t slice = 3 * 1024 * 1024;
	const unsigned char *p = in;
	size_t o = 0;

	out[0] = '\0';
	while (len > 0) {
		size_t n = len < slice ? len : slice;

		o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, p, (int)n);
		p += n;
		len -= n;
	}
	return o;
}

static int is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int kt_crypto_base64_decode(const char *s, size_t len, unsigned char *out,
			    size_t cap)
{
	size_t pad = 0;
	int n;

	/* The checks are ours because EVP_DecodeBlock skips surrounding
	 * whitespace and '-', and counts the padding as decoded bytes. */
	if (len == 0 || len % 4 != 0 || len > INT_MAX || len / 4 * 3 > cap)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++)
		if (!is_b64_char(s[i]))
			return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	return n < 0 ? -1 : n - (int)pad;
}

int kt_crypto_random(void *out, size_t n)
{
	return n > INT_MAX || RAND_bytes(out, (int)n) != 1 ? KT_ERR : KT_OK;
}

int kt_crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void kt_crypto_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

int kt_crypto_scrypt(const void *pass, size_t pass_len, const void *salt, size_t salt_len,
		     uint64_t n, uint32_t r, uint32_t p, void *out, size_t out_len)
{
	/* scrypt's memory is 128 * r * n bytes; allow that and a margin. */
	uint64_t maxmem = 128ull * r * n + (1u << 20);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						  (void *)(pass_len ? pass : ""), pass_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
		OSSL_PARAM_construct_end(),
	};
	int rc = ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1 ? KT_OK : KT_ERR;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}
