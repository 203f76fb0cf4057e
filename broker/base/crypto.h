/* crypto.h - the one wrapper around OpenSSL's libcrypto: SHA-256, HMAC-SHA256, scrypt,
 * padded base64, random bytes, constant-time compare and wiping. Callers
 * never include <openssl/...>; only this file and http/tls.c do (see
 * `make check-walls`). */
#ifndef KETEN_CRYPTO_H
#define KETEN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define KT_SHA256_LEN 32
#define KT_SHA256_HEX_LEN 64
/* Characters of padded base64 for n bytes, without the NUL. */
#define KT_BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* The SHA-256 of len bytes at data (data may be NULL when len is 0) into
 * out. Cannot fail. */
void kt_crypto_sha256(const void *data, size_t len,
		      unsigned char out[KT_SHA256_LEN]);

/* The same as 64 lower-case hex digits and a NUL into out. */
void kt_crypto_sha256_hex(const void *data, size_t len,
			  char out[KT_SHA256_HEX_LEN + 1]);

/* HMAC-SHA256 of data under key (key_len >= 1) into out. KT_OK, or KT_ERR
 * when OpenSSL fails (out of memory); out is then undefined. */
int kt_crypto_hmac_sha256(const void *key, size_t key_len, const void *data,
			  size_t len, unsigned char out[KT_SHA256_LEN]);

/* Padded standard base64 of len bytes into out, which has room for
 * KT_BASE64_LEN(len) + 1 characters; NUL-terminated. Returns the length. */
size_t kt_crypto_base64_encode(const void *in, size_t len, char *out);

/* Decodes exactly len characters of padded standard base64 (no blanks, no
 * other alphabet) into out (cap bytes). Returns the number of bytes, or -1
 * when s is not such text or does not fit. */
int kt_crypto_base64_decode(const char *s, size_t len, unsigned char *out,
			    size_t cap);

/* Fills out with n bytes from the operating system's random source.
 * KT_OK, or KT_ERR when none could be had. */
int kt_crypto_random(void *out, size_t n);

/* 1 when the n bytes at a and b are equal, else 0, in time that depends
 * on n only. */
int kt_crypto_equal(const void *a, const void *b, size_t n);

/* scrypt (RFC 7914) of pass under salt with cost n (a power of 2), block
 * size r and parallelism p into out_len bytes at out, through OpenSSL 3's
 * EVP_KDF "SCRYPT" with room for the 128 * r * n bytes it needs. KT_OK, or
 * KT_ERR when OpenSSL refuses the parameters or runs out of memory. Slow
 * on purpose (tens of ms at n = 2^15): call it on a worker, never on the
 * loop. */
int kt_crypto_scrypt(const void *pass, size_t pass_len, const void *salt, size_t salt_len,
		     uint64_t n, uint32_t r, uint32_t p, void *out, size_t out_len);

/* Overwrites n bytes at p with zeros in a way the compiler keeps. */
void kt_crypto_wipe(void *p, size_t n);

#endif
