/* utf8.h - the broker's one UTF-8 helper: where a character starts and
 * ends, so that text cut to fit a buffer stays valid for JSON. Pure. */
#ifndef KETEN_UTF8_H
#define KETEN_UTF8_H

#include <stddef.h>

/* Length (1-4) of the valid UTF-8 character at s, n bytes left, or 0 for
 * an invalid or cut one (overlong forms, surrogates, above U+10FFFF) and
 * for NUL. */
size_t kt_utf8_char(const unsigned char *s, size_t n);

/* The largest length <= max (and <= len) at which the len bytes at s can
 * be cut without splitting a character: it backs over continuation bytes
 * to the start of the character at s[max]. */
size_t kt_utf8_cut(const char *s, size_t len, size_t max);

/* Cuts a trailing incomplete UTF-8 sequence off the string s (left by a
 * truncating snprintf), so that s stays valid for JSON. */
void kt_utf8_trim(char *s);

/* s fit for a message: copied into buf (size bytes, at least 8), and when
 * it is longer than max bytes (or than buf) cut at a character boundary and
 * ended with "...". Returns buf. */
const char *kt_utf8_shown(char *buf, size_t size, const char *s, size_t max);

#endif
