/* page.h - what answers a request for a portal page (a path outside the
 * API): the file of the in-memory web root, a redirect to a folder's
 * index, 304 for a fresh ETag, or an error page; and the security headers
 * every answer of the broker carries. Pure: the caller sends the answer. */
#ifndef KETEN_PAGE_H
#define KETEN_PAGE_H

#include <stddef.h>

#include "http/webroot.h"

/* The security headers of every answer, pages and API alike, in order:
 * KT_PAGE_HEADERS pairs of name and value. */
#define KT_PAGE_HEADERS 5
extern const char *const kt_page_headers[KT_PAGE_HEADERS][2];

struct kt_page_answer {
	int status;                 /* 200, 301, 304, 400, 404 or 405 */
	const char *type;           /* media type of body (static), or NULL */
	const void *body;           /* borrowed from the root or static; may be NULL */
	size_t len;
	const char *etag;           /* borrowed, or NULL */
	const char *cache_control;  /* static */
	char location[KT_WEBROOT_PATH_MAX + 2]; /* of a 301, else "" */
	int allow;                  /* 1: a 405, send "Allow: GET, HEAD" */
};

/* 1 when path (raw, as requested) is a page's: not under /v1/ and not
 * /v1, /metrics, /readyz, /healthz or /openapi... */
int kt_page_path(const char *path);

/* Answers method ("GET", "HEAD", ...) on raw_path with if_none_match (the
 * request's If-None-Match, or NULL) from root (NULL: no web root, every
 * page 404). Fills *a; its pointers stay valid while root lives. */
void kt_page_answer(const struct kt_webroot *root, const char *method, const char *raw_path,
		    const char *if_none_match, struct kt_page_answer *a);

#endif
