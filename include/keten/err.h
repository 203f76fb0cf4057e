/* keten/err.h - the one status type and the error detail that travels with it.
 * A failing function returns KT_ERR and fills a struct kt_err; the top of the
 * call chain logs it or turns it into an HTTP answer, once. */
#ifndef KETEN_ERR_H
#define KETEN_ERR_H

#include <jansson.h>

enum kt_rc {
	KT_OK = 0,
	KT_ERR = -1,
};

/* What kind of failure an error is. The class says who must act and
 * whether trying again can help; the HTTP status (and an exit code, or a
 * delivery outcome) is chosen from it once, at the edge. */
enum kt_err_class {
	KT_EC_INTERNAL = 0,    /* a fault of ours (out of memory, a bug) */
	KT_EC_MALFORMED,       /* the input cannot be read at all */
	KT_EC_UNAUTHENTICATED, /* no credentials, or wrong ones */
	KT_EC_FORBIDDEN,       /* known caller, not allowed to do this */
	KT_EC_NOT_FOUND,       /* absent, or not the caller's to see */
	KT_EC_METHOD,          /* the resource does not take this method */
	KT_EC_CONFLICT,        /* the current state forbids it now */
	KT_EC_TOO_LARGE,       /* over a documented size limit */
	KT_EC_MEDIA_TYPE,      /* a body of a type we do not read */
	KT_EC_INVALID,         /* well-formed, but breaks a rule */
	KT_EC_SUPPLIER,        /* a supplier's answer we cannot use */
	KT_EC_UNAVAILABLE,     /* a dependency is down: try again later */
	KT_EC_CONFIG,          /* this node's configuration or a secret */
	KT_EC_RATE_LIMITED,    /* the caller's rate is spent: try after a while */
	KT_EC__COUNT
};

/* An error keeps at most this many details, then one more that counts
 * the rest ("N more problem(s) not shown"); a detail's path is cut to
 * KT_ERR_PATH_MAX bytes (with "..."). So an answer's size never follows
 * the size of the input that caused it. */
#define KT_ERR_DETAILS_MAX 100
#define KT_ERR_PATH_MAX 256

struct kt_err {
	enum kt_err_class cls; /* KT_EC_INTERNAL when unset */
	char code[48];     /* stable machine code, e.g. "unknown_service" */
	char message[256]; /* for people, PostgreSQL style: lower case, no full stop */
	json_t *details;   /* owned; NULL or an array of {path, message} */
	size_t details_not_shown; /* details counted past KT_ERR_DETAILS_MAX */
};

/* Sets class, code and a printf-style message; keeps details. Returns KT_ERR
 * so that callers can write `return kt_err_set(err, ...);`. err may be NULL. */
int kt_err_set(struct kt_err *err, enum kt_err_class cls, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Appends {path, message} to err->details (creating the array); past
 * KT_ERR_DETAILS_MAX, counts it in the last detail instead. */
void kt_err_detail(struct kt_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when an error has been set. */
int kt_err_isset(const struct kt_err *err);

/* Frees err->details and clears the struct; the struct itself is the caller's. */
void kt_err_release(struct kt_err *err);

/* The class's stable name ("not_found"), for logs and tests. */
const char *kt_err_class_name(enum kt_err_class cls);

/* 1 when the same work may succeed later without any change to its input
 * (internal, unavailable, configuration and supplier faults); 0 when only
 * other input can help. */
int kt_err_class_retryable(enum kt_err_class cls);

/* Builds {"error": {"code", "message", "details"?}}. Returns a new reference. */
json_t *kt_err_to_json(const struct kt_err *err);

#endif
