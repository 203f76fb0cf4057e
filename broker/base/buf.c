/* buf.c - bounded growing buffers and arrays (see base/buf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "keten/err.h"

void kt_buf_init(struct kt_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max < (size_t)-1 ? max : (size_t)-1 - 1; /* room for the NUL */
}

/* Makes room for extra more bytes and the NUL. */
static int reserve(struct kt_buf *b, size_t extra)
{
	size_t want;
	char *p;

	if (b->failed || extra > b->max - b->len) {
		b->failed = 1;
		return KT_ERR;
	}
	if (b->len + extra < b->cap)
		return KT_OK;
	want = b->cap ? b->cap : 64;
	while (want <= b->len + extra)
		want = want > (b->max + 1) / 2 ? b->max + 1 : want * 2;
	p = realloc(b->data, want);
	if (!p) {
		b->failed = 1;
		return KT_ERR;
	}
	b->data = p;
	b->cap = want;
	return KT_OK;
}

int kt_buf_add(struct kt_buf *b, const void *p, size_t n)
{
	if (reserve(b, n))
		return KT_ERR;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return KT_OK;
}

int kt_buf_adds(struct kt_buf *b, const char *s)
{
	return kt_buf_add(b, s, strlen(s));
}

int kt_buf_addf(struct kt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n)) {
		b->failed = 1;
		return KT_ERR;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return KT_OK;
}

const char *kt_buf_str(const struct kt_buf *b)
{
	return b->data ? b->data : "";
}

char *kt_buf_detach(struct kt_buf *b)
{
	char *s = b->failed ? NULL : b->data;
	size_t max = b->max;

	if (!s)
		free(b->data);
	kt_buf_init(b, max);
	return s;
}

void kt_buf_release(struct kt_buf *b)
{
	free(b->data);
	kt_buf_init(b, b->max);
}

void *kt_array_grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t want;
	void *p;

	if (n < *cap)
		return arr;
	want = *cap ? *cap * 2 : 8;
	if (want > (size_t)-1 / size)
		return NULL;
	p = realloc(arr, want * size);
	if (p)
		*cap = want;
	return p;
}
