/* router.c - matching a request's method and path against the route
 * table (see http/router.h). Pure. */
#include <string.h>

#include "http/router.h"

static const char param_chars[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

static int at_end(const char *path)
{
	return *path == '\0' || *path == '?';
}

/* 1 when path matches pattern, with its parameters in params. */
static int match(const char *pattern, const char *path,
		 char params[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES])
{
	int np = 0;

	memset(params, 0, KT_HTTP_MAX_PARAMS * KT_HTTP_PARAM_BYTES);
	while (*pattern && !at_end(path)) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t n = strspn(path, param_chars);

			if (n == 0 || n >= KT_HTTP_PARAM_BYTES || np >= KT_HTTP_MAX_PARAMS)
				return 0;
			memcpy(params[np++], path, n);
			path += n;
			pattern += 2;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return *pattern == '\0' && (at_end(path) || (path[0] == '/' && at_end(path + 1)));
}

enum kt_router_result kt_router_match(const struct kt_http_route *table, int n,
				      const char *method, const char *path,
				      const struct kt_http_route **route,
				      char params[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES])
{
	char found[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES];
	int path_matched = 0;

	for (int i = 0; i < n; i++) {
		if (!match(table[i].pattern, path, found))
			continue;
		path_matched = 1;
		if (strcmp(table[i].method, method) == 0) {
			*route = &table[i];
			memcpy(params, found, sizeof(found));
			return KT_ROUTER_FOUND;
		}
	}
	return path_matched ? KT_ROUTER_METHOD : KT_ROUTER_NOT_FOUND;
}
