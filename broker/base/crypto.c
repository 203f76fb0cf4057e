/* crypto.c - the broker's only use of libcrypto (see base/crypto.h); TLS
 * itself lives in http/tls.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
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

size_t kt_crypto_base64url_encode(const void *in, size_t len, char *out)
{
	size_t n = kt_crypto_base64_encode(in, len, out);

	while (n > 0 && out[n - 1] == '=')
		out[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return n;
}

int kt_crypto_base64url_decode(const char *s, size_t len, unsigned char *out,
			       size_t cap)
{
	size_t padded = (len + 3) / 4 * 4;
	char *std, *again;
	int n = -1;

	if (len % 4 == 1 || len > INT_MAX / 2)
		return -1;
	if (!(std = malloc(padded + 1)))
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '+' || c == '/' || c == '=')
			goto out;
		std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	memset(std + len, '=', padded - len);
	std[padded] = '\0';
	n = len ? kt_crypto_base64_decode(std, padded, out, cap) : 0;
	/* Refuse stray bits in the last character: only one text per value. */
	if (n > 0 && (again = malloc(KT_BASE64_LEN((size_t)n) + 1))) {
		if (kt_crypto_base64url_encode(out, (size_t)n, again) != len ||
		    memcmp(again, s, len) != 0)
			n = -1;
		free(again);
	} else if (n > 0) {
		n = -1;
	}
out:
	free(std);
	return n;
}

struct kt_pubkey {
	EVP_PKEY *pkey;
	enum kt_jws_alg alg;
};

/* Decodes base64url field f of at most cap bytes into a fresh buffer;
 * NULL when it is not such text. *len gets its length. */
static unsigned char *jwk_field(const char *f, size_t cap, size_t *len)
{
	unsigned char *b = malloc(cap);
	int n;

	if (!b)
		return NULL;
	n = f ? kt_crypto_base64url_decode(f, strlen(f), b, cap) : -1;
	if (n <= 0) {
		free(b);
		return NULL;
	}
	*len = (size_t)n;
	return b;
}

/* Makes a public key of type ("RSA", "EC") from the parameters of bld;
 * NULL when OpenSSL refuses them or the key fails its public check. */
static EVP_PKEY *key_from(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_public_check(check) <= 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static int pubkey_new(EVP_PKEY *pkey, enum kt_jws_alg alg, struct kt_pubkey **out,
		      struct kt_err *err)
{
	if (!pkey)
		return kt_err_set(err, KT_EC_INVALID, "invalid_jwk",
				  "the signing key cannot be read");
	if (!(*out = malloc(sizeof(**out)))) {
		EVP_PKEY_free(pkey);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	(*out)->pkey = pkey;
	(*out)->alg = alg;
	return KT_OK;
}

int kt_crypto_pubkey_rsa(const char *n, const char *e, struct kt_pubkey **out,
			 struct kt_err *err)
{
	size_t nlen = 0, elen = 0;
	unsigned char *nb = jwk_field(n, 1024, &nlen), *eb = jwk_field(e, 16, &elen);
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	if (!nb || !eb || nlen < 256 || (nb[0] == 0 && nlen == 256))
		goto out;
	bn = BN_bin2bn(nb, (int)nlen, NULL);
	be = BN_bin2bn(eb, (int)elen, NULL);
	if (!bn || !be || BN_num_bits(bn) < 2048 || !(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	pkey = key_from("RSA", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	free(nb);
	free(eb);
	return pubkey_new(pkey, KT_JWS_RS256, out, err);
}

int kt_crypto_pubkey_p256(const char *x, const char *y, struct kt_pubkey **out,
			  struct kt_err *err)
{
	size_t xlen = 0, ylen = 0;
	unsigned char *xb = jwk_field(x, 64, &xlen), *yb = jwk_field(y, 64, &ylen);
	unsigned char point[65];
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	if (!xb || !yb || xlen != 32 || ylen != 32)
		goto out;
	point[0] = 0x04; /* uncompressed: x then y */
	memcpy(point + 1, xb, 32);
	memcpy(point + 33, yb, 32);
	if (!(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
		goto out;
	pkey = key_from("EC", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	free(xb);
	free(yb);
	return pubkey_new(pkey, KT_JWS_ES256, out, err);
}

enum kt_jws_alg kt_crypto_pubkey_alg(const struct kt_pubkey *key)
{
	return key->alg;
}

void kt_crypto_pubkey_free(struct kt_pubkey *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

/* The DER form OpenSSL checks of a raw 64-byte ES256 r||s; its length in
 * *len, or NULL. The caller frees it with OPENSSL_free. */
static unsigned char *es256_der(const unsigned char *sig, int *len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;

	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	*len = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	return *len > 0 ? der : NULL;
}

int kt_crypto_jws_verify(enum kt_jws_alg alg, const struct kt_pubkey *key,
			 const void *data, size_t len, const unsigned char *sig,
			 size_t sig_len)
{
	EVP_MD_CTX *md;
	unsigned char *der = NULL;
	int der_len = 0, ok = 0;

	if (!key || alg != key->alg)
		return 0;
	if (alg == KT_JWS_ES256) {
		if (sig_len != 64 || !(der = es256_der(sig, &der_len)))
			return 0;
		sig = der;
		sig_len = (size_t)der_len;
	}
	if ((md = EVP_MD_CTX_new()) &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1)
		ok = EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return ok;
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
