/* buf.h - the one growing byte buffer, bounded like curl's dynbuf: its
 * maximum size is fixed when it is made, and growth past it fails instead
 * of eating memory. The content is always NUL-terminated. */
#ifndef KETEN_BUF_H
#define KETEN_BUF_H

#include <stddef.h>

struct kt_buf {
	char *data;     /* owned; NULL until the first byte */
	size_t len;     /* bytes held, not counting the NUL */
	size_t cap;     /* bytes allocated */
	size_t max;     /* most bytes it may ever hold, not counting the NUL */
	int failed;     /* an add failed (too large or out of memory) */
};

/* Fills b as an empty buffer that may hold up to max bytes. */
void kt_buf_init(struct kt_buf *b, size_t max);

/* Appends n bytes at p. KT_OK, or KT_ERR when the result would pass max
 * or memory ran out: b is then unchanged but marked failed, and every
 * later add fails too, so that a caller may check once at the end. */
int kt_buf_add(struct kt_buf *b, const void *p, size_t n);

/* Appends the string s. As kt_buf_add. */
int kt_buf_adds(struct kt_buf *b, const char *s);

/* Appends printf-style text. As kt_buf_add. */
int kt_buf_addf(struct kt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The content ("" when empty). Borrowed: valid until the next add. */
const char *kt_buf_str(const struct kt_buf *b);

/* Hands the content to the caller (free() it; NULL when nothing was ever
 * added, or after a failure) and leaves b empty, with the same max. */
char *kt_buf_detach(struct kt_buf *b);

/* Frees the content; b itself is the caller's and stays usable as empty. */
void kt_buf_release(struct kt_buf *b);

/* Makes room for element n of an array of size-byte elements with *cap
 * allocated, doubling from 8. Returns the (maybe moved) array, or NULL with
 * arr untouched when out of memory. For arrays whose length a caller
 * bounds itself. */
void *kt_array_grow(void *arr, size_t *cap, size_t n, size_t size);

#endif
