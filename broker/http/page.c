/* page.c - the answer to a request for a portal page (see http/page.h):
 * path checks, a folder's index.html, ETag revalidation, error pages, and
 * the one list of security headers the server adds to every answer. */
#include <strings.h>

#include "http/page.h"

const char *const kt_page_headers[KT_PAGE_HEADERS][2] = {
	{ "Content-Security-Policy",
	  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	  "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
	  "base-uri 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Strict-Transport-Security", "max-age=31536000" },
	{ "X-Frame-Options", "DENY" },
};

static const char page_400[] =
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad request</title>"
	"</head><body><h1>Bad request</h1><p>This address cannot be read.</p></body></html>\n";
static const char page_404[] =
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>"
	"</head><body><h1>Not found</h1><p>There is no page at this address.</p>"
	"<p><a href=\"/\">Start page</a></p></body></html>\n";
static const char page_405[] =
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Method not allowed"
	"</title></head><body><h1>Method not allowed</h1><p>Pages are only read (GET, HEAD).</p>"
	"</body></html>\n";

#define HTML "text/html; charset=utf-8"

static int prefix(const char *path, const char *p)
{
	return strncmp(path, p, strlen(p)) == 0;
}

int kt_page_path(const char *path)
{
	return !(prefix(path, "/v1/") || strcmp(path, "/v1") == 0 ||
		 strcmp(path, "/metrics") == 0 || strcmp(path, "/readyz") == 0 ||
		 strcmp(path, "/healthz") == 0 || prefix(path, "/openapi"));
}

static void builtin(struct kt_page_answer *a, int status, const char *body, size_t len)
{
	a->status = status;
	a->type = HTML;
	a->body = body;
	a->len = len;
	a->cache_control = "no-store";
}

/* 1 when the If-None-Match list names etag (or is "*"). */
static int etag_matches(const char *list, const char *etag)
{
	size_t n = strlen(etag);

	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

static void not_found(const struct kt_webroot *root, struct kt_page_answer *a)
{
	const struct kt_web_file *f = kt_webroot_find(root, "/404.html");

	builtin(a, 404, page_404, sizeof(page_404) - 1);
	if (f) {
		a->body = f->body;
		a->len = f->len;
	}
}

void kt_page_answer(const struct kt_webroot *root, const char *method, const char *raw_path,
		    const char *if_none_match, struct kt_page_answer *a)
{
	char path[KT_WEBROOT_PATH_MAX + 1], name[KT_WEBROOT_PATH_MAX + 16];
	const struct kt_web_file *f;
	size_t n;

	memset(a, 0, sizeof(*a));
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		builtin(a, 405, page_405, sizeof(page_405) - 1);
		a->allow = 1;
		return;
	}
	if (kt_webroot_path(raw_path, path, sizeof(path)) != KT_WEB_PATH_OK) {
		builtin(a, 400, page_400, sizeof(page_400) - 1);
		return;
	}
	n = strlen(path);
	snprintf(name, sizeof(name), "%s%s", path, path[n - 1] == '/' ? "index.html" : "");
	if (!(f = kt_webroot_find(root, name))) {
		/* a folder asked for without its '/': relative links in its
		 * index need the '/' */
		snprintf(name, sizeof(name), "%s/index.html", path);
		if (path[n - 1] != '/' && kt_webroot_find(root, name)) {
			a->status = 301;
			a->cache_control = "no-cache";
			snprintf(a->location, sizeof(a->location), "%s/", path);
			return;
		}
		not_found(root, a);
		return;
	}
	a->etag = f->etag;
	a->type = f->type;
	/* Revalidated each time (the ETag makes that cheap): a new release
	 * of the pages is seen at once, never mixed with cached old ones. */
	a->cache_control = "no-cache";
	if (if_none_match && etag_matches(if_none_match, f->etag)) {
		a->status = 304;
		return;
	}
	a->status = 200;
	a->body = f->body;
	a->len = f->len;
}
