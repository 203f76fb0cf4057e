/* password.h - people's passwords: the length policy, and hashing with
 * scrypt (base/crypto.h) into a self-describing string that names its
 * parameters and salt, so that stronger parameters can come later without
 * breaking stored hashes. Slow on purpose: database workers only. */
#ifndef KETEN_PASSWORD_H
#define KETEN_PASSWORD_H

#include <stddef.h>

#include "keten/err.h"

/* The policy: at least 12 characters (UTF-8 code points), at most 1024
 * bytes (an upper bound keeps the KDF's input, and a request, small). */
#define KT_PASSWORD_MIN_CHARS 12
#define KT_PASSWORD_MAX_BYTES 1024

/* The parameters of new hashes: N = 2^15, r = 8, p = 1 (32 MiB, some
 * 50-100 ms on one core), a 16-byte random salt, a 32-byte result. */
#define KT_PASSWORD_LOG_N 15
#define KT_PASSWORD_R 8
#define KT_PASSWORD_P 1

/* Room for a hash string and its NUL:
 * "$scrypt$ln=15,r=8,p=1$<24 base64>$<44 base64>". */
#define KT_PASSWORD_HASH_MAX 128

/* KT_OK when password (NUL-terminated) meets the policy; else KT_ERR with
 * invalid "password_too_short", "password_too_long" or
 * "password_not_utf8" in err. */
int kt_password_policy(const char *password, struct kt_err *err);

/* Hashes password with the parameters above and a fresh salt into out
 * (KT_PASSWORD_HASH_MAX bytes):
 * "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt, padded base64>$<hash, padded
 * base64>". KT_OK, or KT_ERR with internal "password_hash" when random
 * bytes or the KDF failed. */
int kt_password_hash(const char *password, char out[KT_PASSWORD_HASH_MAX],
		     struct kt_err *err);

/* 1 when password hashes to stored (a string of kt_password_hash, with
 * its own parameters: ln 10..20, r 1..32, p 1..16), else 0; compared in
 * constant time. A NULL or malformed stored string answers 0 after the
 * same work as a real check, so that an unknown person takes as long as a
 * wrong password. */
int kt_password_verify(const char *password, const char *stored);

#endif
