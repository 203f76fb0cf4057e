/* router.h - an HTTP route (method, path pattern, who may call it, what
 * work runs) and the pure matching of a request's method and path against
 * a table of them, with the {} parameters of the path. No libevent. */
#ifndef KETEN_ROUTER_H
#define KETEN_ROUTER_H

struct kt_db;
struct kt_err;
struct kt_request;

#define KT_HTTP_MAX_PARAMS 2      /* {} segments in one pattern */
#define KT_HTTP_PARAM_BYTES 72    /* a segment's bytes, NUL included */

/* Roles allowed on a route: bits (1 << KT_ROLE_x). 0 = no API key needed. */
#define KT_ALLOW(role) (1u << (role))

struct kt_http_route {
	const char *method;
	const char *pattern;        /* "/v1/tickets/{}"; {} is a parameter */
	unsigned roles;
	int json_body;              /* needs an application/json body */
	int (*work)(struct kt_db *db, struct kt_request *r, struct kt_err *err);
	int keeps_headers;          /* the work reads the request's headers
				     * (a supplier's push: its adapter says
				     * which) */
};

enum kt_router_result {
	KT_ROUTER_FOUND,            /* *route and params are set */
	KT_ROUTER_NOT_FOUND,        /* no pattern matches the path: 404 */
	KT_ROUTER_METHOD,           /* a pattern matches, not with method: 405 */
};

/* Finds the first route of table[0..n) whose pattern matches path and
 * whose method is method. A {} matches one segment of 1 to
 * KT_HTTP_PARAM_BYTES - 1 characters of [A-Za-z0-9_-] (nothing else can be
 * an id or a key); one trailing "/" is allowed, and a "?" ends the path.
 * On KT_ROUTER_FOUND, *route points into table and params holds the
 * segments in order, the rest empty strings; otherwise both are left
 * alone. */
enum kt_router_result kt_router_match(const struct kt_http_route *table, int n,
				      const char *method, const char *path,
				      const struct kt_http_route **route,
				      char params[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES]);

#endif
