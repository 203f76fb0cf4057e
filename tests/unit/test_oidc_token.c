/* test_oidc_token.c - unit tests of broker/portal/oidc_token.c and the JWS
 * parts of base/crypto.c: keys made by OpenSSL here (RSA 2048, EC P-256),
 * their JWKs, tokens signed here; alg none, the HS256 confusion with the
 * RSA key, a wrong iss, aud, azp or nonce, expiry, an unknown kid, a bad
 * signature are refused; good RS256 and ES256 tokens pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "base/crypto.h"
#include "portal/oidc_token.h"

#define NOW 1800000000LL

static EVP_PKEY *rsa_key, *ec_key;

static int setup(void **state)
{
	(void)state;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return rsa_key && ec_key ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	return 0;
}

/* base64url of a big number's param of pkey, padded to pad bytes (0: as
 * is) into a new JSON string. */
static json_t *bn_b64(EVP_PKEY *pkey, const char *param, int pad)
{
	BIGNUM *bn = NULL;
	unsigned char buf[512];
	char text[KT_BASE64_LEN(512) + 1];
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
	n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	BN_free(bn);
	kt_crypto_base64url_encode(buf, (size_t)n, text);
	return json_string(text);
}

static json_t *jwk_of(EVP_PKEY *pkey, const char *kid)
{
	if (EVP_PKEY_is_a(pkey, "RSA"))
		return json_pack("{s:s, s:s, s:o, s:o}", "kty", "RSA", "kid", kid,
				 "n", bn_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0),
				 "e", bn_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0));
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "kty", "EC", "kid", kid, "crv", "P-256",
			 "x", bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32),
			 "y", bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
}

static json_t *jwks(void)
{
	return json_pack("{s:[o,o]}", "keys", jwk_of(rsa_key, "r1"), jwk_of(ec_key, "e1"));
}

static void b64_json(json_t *v, char *out)
{
	char *text = json_dumps(v, JSON_COMPACT);

	kt_crypto_base64url_encode(text, strlen(text), out);
	free(text);
	json_decref(v);
}

/* A token of header and claims (both taken) signed with pkey by alg
 * ("RS256", "ES256"; "HS256" signs with hmac_key; "none" not at all).
 * The caller frees it. */
static char *sign(EVP_PKEY *pkey, const char *alg, json_t *header, json_t *claims,
		  const void *hmac_key, size_t hmac_len)
{
	char *tok = calloc(1, 8192);
	unsigned char sig[1024];
	size_t sig_len = sizeof(sig), n;

	b64_json(header, tok);
	n = strlen(tok);
	tok[n++] = '.';
	b64_json(claims, tok + n);
	n = strlen(tok);
	if (strcmp(alg, "HS256") == 0) {
		assert_int_equal(kt_crypto_hmac_sha256(hmac_key, hmac_len, tok, n, sig), KT_OK);
		sig_len = KT_SHA256_LEN;
	} else if (strcmp(alg, "none") == 0) {
		sig_len = 0;
	} else {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey), 1);
		assert_int_equal(EVP_DigestSign(md, sig, &sig_len, (unsigned char *)tok, n), 1);
		EVP_MD_CTX_free(md);
		if (strcmp(alg, "ES256") == 0) {
			const unsigned char *p = sig;
			ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);

			assert_non_null(es);
			BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
			BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
			ECDSA_SIG_free(es);
			sig_len = 64;
		}
	}
	tok[n++] = '.';
	kt_crypto_base64url_encode(sig, sig_len, tok + n);
	return tok;
}

static json_t *claims(void)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.test",
			 "sub", "alice", "aud", "keten", "exp", (json_int_t)(NOW + 300),
			 "iat", (json_int_t)(NOW - 10), "nonce", "n-123");
}

static const struct kt_oidc_expect expect = {
	"https://idp.test", "keten", "n-123", NOW, 60,
	(1u << KT_JWS_RS256) | (1u << KT_JWS_ES256),
};

/* Checks tok (freed here) under x: NULL want_code means it passes. */
static void check(char *tok, const struct kt_oidc_expect *x, const char *want_code)
{
	json_t *keys = jwks();
	struct kt_err err = { 0 };
	json_t *c = kt_oidc_token_verify(tok, keys, x, &err);

	if (!want_code) {
		assert_non_null(c);
		assert_string_equal(json_string_value(json_object_get(c, "sub")), "alice");
	} else {
		assert_null(c);
		assert_string_equal(err.code, want_code);
		assert_int_equal(err.cls, KT_EC_UNAUTHENTICATED);
	}
	json_decref(c);
	json_decref(keys);
	kt_err_release(&err);
	free(tok);
}

static json_t *hdr(const char *alg, const char *kid)
{
	return json_pack("{s:s, s:s}", "alg", alg, "kid", kid);
}

static void test_good_rs256_and_es256(void **state)
{
	(void)state;
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), claims(), NULL, 0), &expect, NULL);
	check(sign(ec_key, "ES256", hdr("ES256", "e1"), claims(), NULL, 0), &expect, NULL);
}

static void test_alg_none_and_hs256_refused(void **state)
{
	unsigned char n[512];
	json_t *jwk = jwk_of(rsa_key, "r1");
	const char *nt = json_string_value(json_object_get(jwk, "n"));
	int nlen = kt_crypto_base64url_decode(nt, strlen(nt), n, sizeof(n));

	(void)state;
	check(sign(NULL, "none", hdr("none", "r1"), claims(), NULL, 0), &expect,
	      "invalid_id_token");
	/* Alg confusion: HMAC keyed with the RSA public key's bytes. */
	check(sign(NULL, "HS256", hdr("HS256", "r1"), claims(), n, (size_t)nlen), &expect,
	      "invalid_id_token");
	json_decref(jwk);
}

static void test_alg_outside_allow_list(void **state)
{
	struct kt_oidc_expect x = expect;

	(void)state;
	x.algs = 1u << KT_JWS_ES256;
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), claims(), NULL, 0), &x,
	      "invalid_id_token");
	/* An RS256 header with the EC key's kid finds no RSA key. */
	check(sign(ec_key, "ES256", hdr("RS256", "e1"), claims(), NULL, 0), &expect,
	      "unknown_kid");
}

static void test_wrong_claims(void **state)
{
	static const struct { const char *name, *value; } bad[] = {
		{ "iss", "https://evil.test" }, { "aud", "other" }, { "nonce", "n-999" },
	};
	struct kt_oidc_expect x = expect;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		json_t *c = claims();

		json_object_set_new(c, bad[i].name, json_string(bad[i].value));
		check(sign(rsa_key, "RS256", hdr("RS256", "r1"), c, NULL, 0), &expect,
		      "invalid_id_token");
	}
	/* Several audiences need azp to be us. */
	json_t *c = claims();

	json_object_set_new(c, "aud", json_pack("[s,s]", "keten", "other"));
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), json_deep_copy(c), NULL, 0), &expect,
	      "invalid_id_token");
	json_object_set_new(c, "azp", json_string("keten"));
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), c, NULL, 0), &expect, NULL);
	/* Expired beyond the skew; inside it still good. */
	x.now = NOW + 300 + 60;
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), claims(), NULL, 0), &x,
	      "invalid_id_token");
	x.now = NOW + 300 + 59;
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), claims(), NULL, 0), &x, NULL);
	/* Issued in the future, not valid before later. */
	x.now = NOW - 100;
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), claims(), NULL, 0), &x,
	      "invalid_id_token");
	c = claims();
	json_object_set_new(c, "nbf", json_integer(NOW + 120));
	check(sign(rsa_key, "RS256", hdr("RS256", "r1"), c, NULL, 0), &expect,
	      "invalid_id_token");
}

static void test_unknown_kid_and_bad_signature(void **state)
{
	char *tok;
	size_t n;

	(void)state;
	check(sign(rsa_key, "RS256", hdr("RS256", "r2"), claims(), NULL, 0), &expect,
	      "unknown_kid");
	tok = sign(rsa_key, "RS256", hdr("RS256", "r1"), claims(), NULL, 0);
	n = strlen(tok);
	tok[n - 5] = tok[n - 5] == 'A' ? 'B' : 'A';
	check(tok, &expect, "invalid_id_token");
	/* Claims changed after signing. */
	tok = sign(ec_key, "ES256", hdr("ES256", "e1"), claims(), NULL, 0);
	strchr(tok, '.')[3] ^= 1;
	check(tok, &expect, "invalid_id_token");
	check(strdup("a.b"), &expect, "invalid_id_token");
	check(strdup("a.b.c.d"), &expect, "invalid_id_token");
}

static void test_base64url(void **state)
{
	unsigned char out[8];
	char text[16];

	(void)state;
	assert_int_equal(kt_crypto_base64url_encode("\xfb\xff", 2, text), 3);
	assert_string_equal(text, "-_8");
	assert_int_equal(kt_crypto_base64url_decode("-_8", 3, out, sizeof(out)), 2);
	assert_int_equal(kt_crypto_base64url_decode("-_9", 3, out, sizeof(out)), -1);
	assert_int_equal(kt_crypto_base64url_decode("+/8", 3, out, sizeof(out)), -1);
	assert_int_equal(kt_crypto_base64url_decode("-_8=", 4, out, sizeof(out)), -1);
	assert_int_equal(kt_crypto_base64url_decode("A", 1, out, sizeof(out)), -1);
}

static void test_bad_jwks(void **state)
{
	struct kt_pubkey *key = NULL;
	struct kt_err err = { 0 };

	(void)state;
	/* A point off the curve, and a short RSA modulus. */
	assert_int_equal(kt_crypto_pubkey_p256("AQ", "AQ", &key, &err), KT_ERR);
	assert_int_equal(kt_crypto_pubkey_p256(
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE", &key, &err), KT_ERR);
	assert_string_equal(err.code, "invalid_jwk");
	assert_int_equal(kt_crypto_pubkey_rsa("AQAB", "AQAB", &key, &err), KT_ERR);
	assert_null(key);
	kt_err_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_rs256_and_es256),
		cmocka_unit_test(test_alg_none_and_hs256_refused),
		cmocka_unit_test(test_alg_outside_allow_list),
		cmocka_unit_test(test_wrong_claims),
		cmocka_unit_test(test_unknown_kid_and_bad_signature),
		cmocka_unit_test(test_base64url),
		cmocka_unit_test(test_bad_jwks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
