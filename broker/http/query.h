/* query.h - the query string of an API request, read once: the list
 * parameters (limit, cursor, state, supplier, version) and a report's
 * period and form (from, to, format), a ticket list's filters (q,
 * status, type, service) and a single sign-on's code, next and error, as
 * owned copies.
 * A query that is not name=value pairs joined by '&', or one whose value
 * decodes to a NUL byte or to bytes that are not UTF-8, cannot be read:
 * the caller answers 400 "invalid_query" instead of reading it as less. */
#ifndef KETEN_HTTP_QUERY_H
#define KETEN_HTTP_QUERY_H

struct kt_query {
	char *limit, *cursor, *state, *supplier, *version; /* owned; NULL: absent */
	char *from, *to, *format;                          /* owned; NULL: absent */
	char *q, *status, *type, *service;                 /* owned; NULL: absent */
	char *code, *next, *error;  /* owned; single sign-on (portal/api_oidc.c) */
};

/* Reads the raw query q (without '?') into out (zeroed first). 0, or -1
 * when q cannot be read or memory ran out (out then holds nothing). */
int kt_query_parse(const char *q, struct kt_query *out);

/* Frees what out holds and zeroes it. */
void kt_query_release(struct kt_query *out);

#endif
