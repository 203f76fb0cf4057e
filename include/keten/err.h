/* keten/err.h - the one status type and the error detail that travels with it.
 * A failing function returns KT_ERR (or KT_AGAIN for "try again later") and
 * fills a struct kt_err; the top of the call chain logs it or turns it into an
 * HTTP answer, once. */
#ifndef KETEN_ERR_H
#define KETEN_ERR_H

#include <jansson.h>

enum kt_rc {
	KT_OK = 0,
	KT_ERR = -1,
	KT_AGAIN = -2,
};

struct kt_err {
	int status;        /* HTTP status this error maps to; 500 when unset */
	char code[48];     /* stable machine code, e.g. "unknown_service" */
	char message[256]; /* for people, PostgreSQL style: lower case, no full stop */
	json_t *details;   /* owned; NULL or an array of {path, message} */
};

/* Sets status, code and a printf-style message; keeps details. Returns KT_ERR
 * so that callers can write `return kt_err_set(err, ...);`. err may be NULL. */
int kt_err_set(struct kt_err *err, int status, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Appends {path, message} to err->details (creating the array). */
void kt_err_detail(struct kt_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when an error has been set. */
int kt_err_isset(const struct kt_err *err);

/* Frees err->details and clears the struct; the struct itself is the caller's. */
void kt_err_release(struct kt_err *err);

/* Cuts a trailing incomplete UTF-8 sequence off s (left by a truncating
 * snprintf), so that s stays valid for JSON. */
void kt_utf8_trim(char *s);

/* Builds {"error": {"code", "message", "details"?}}. Returns a new reference. */
json_t *kt_err_to_json(const struct kt_err *err);

#endif
