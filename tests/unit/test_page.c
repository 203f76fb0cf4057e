/* test_page.c - unit tests of broker/http/webroot.c and page.c: the request
 * path check (traversal, encoded separators and dots, NUL, control bytes),
 * media types, and the answers built from a web root loaded from a
 * temporary folder (index, folder redirect, ETag 304, 404 page, 405). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "http/page.h"
#include "http/webroot.h"

static void test_path_refused(void **state)
{
	static const char *const bad[] = {
		"", "x", "/..", "/../etc/passwd", "/a/../b", "/a/./b", "/.", "/a/..",
		"//etc/passwd", "/a//b", "/%2e%2e/etc/passwd", "/%2E%2E/x", "/a%2fb",
		"/a%2Fb", "/a%5cb", "/a\\b", "/a%00b", "/a%", "/a%4", "/a%zz",
		"/a\tb", "/a%0ab", "/a%7f",
	};
	char out[KT_WEBROOT_PATH_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kt_webroot_path(bad[i], out, sizeof(out)) != KT_WEB_PATH_BAD)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void test_path_accepted(void **state)
{
	char out[KT_WEBROOT_PATH_MAX + 1], longp[KT_WEBROOT_PATH_MAX + 8];

	(void)state;
	assert_int_equal(kt_webroot_path("/", out, sizeof(out)), KT_WEB_PATH_OK);
	assert_string_equal(out, "/");
	assert_int_equal(kt_webroot_path("/js/api.js", out, sizeof(out)), KT_WEB_PATH_OK);
	assert_string_equal(out, "/js/api.js");
	assert_int_equal(kt_webroot_path("/a%20b/..c/x.y.", out, sizeof(out)), KT_WEB_PATH_OK);
	assert_string_equal(out, "/a b/..c/x.y.");
	assert_int_equal(kt_webroot_path("/customer/", out, sizeof(out)), KT_WEB_PATH_OK);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(kt_webroot_path(longp, out, sizeof(out)), KT_WEB_PATH_BAD);
}

static void test_types(void **state)
{
	(void)state;
	assert_string_equal(kt_webroot_type("/index.html"), "text/html; charset=utf-8");
	assert_string_equal(kt_webroot_type("/js/a.js"), "text/javascript; charset=utf-8");
	assert_string_equal(kt_webroot_type("/css/A.CSS"), "text/css; charset=utf-8");
	assert_string_equal(kt_webroot_type("/i18n/en/common.json"), "application/json");
	assert_string_equal(kt_webroot_type("/x.svg"), "image/svg+xml");
	assert_string_equal(kt_webroot_type("/noext"), "application/octet-stream");
	assert_string_equal(kt_webroot_type("/a.b/noext"), "application/octet-stream");
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void test_answers(void **state)
{
	char dir[] = "/tmp/kt-webroot-XXXXXX", sub[600], etag[40];
	struct kt_webroot *root;
	struct kt_page_answer a;
	struct kt_err err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/app", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	put(dir, "index.html", "<p>home</p>");
	put(dir, "app/index.html", "<p>app</p>");
	put(dir, ".hidden", "secret");
	put(dir, "404.html", "<p>gone</p>");
	assert_non_null(root = kt_webroot_load(dir, &err));
	assert_int_equal(kt_webroot_count(root), 3);

	kt_page_answer(root, "GET", "/", NULL, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(a.len, strlen("<p>home</p>"));
	assert_memory_equal(a.body, "<p>home</p>", a.len);
	assert_string_equal(a.cache_control, "no-cache");
	snprintf(etag, sizeof(etag), "%s", a.etag);

	kt_page_answer(root, "HEAD", "/index.html", etag, &a);
	assert_int_equal(a.status, 304);
	kt_page_answer(root, "GET", "/", "\"other\", W/", &a);
	assert_int_equal(a.status, 200);
	kt_page_answer(root, "GET", "/app", NULL, &a);
	assert_int_equal(a.status, 301);
	assert_string_equal(a.location, "/app/");
	kt_page_answer(root, "GET", "/app/", NULL, &a);
	assert_int_equal(a.status, 200);
	assert_memory_equal(a.body, "<p>app</p>", a.len);
	kt_page_answer(root, "GET", "/.hidden", NULL, &a);
	assert_int_equal(a.status, 404);
	assert_memory_equal(a.body, "<p>gone</p>", a.len);
	kt_page_answer(root, "POST", "/", NULL, &a);
	assert_int_equal(a.status, 405);
	assert_int_equal(a.allow, 1);
	kt_page_answer(root, "GET", "/app/../index.html", NULL, &a);
	assert_int_equal(a.status, 400);
	kt_page_answer(NULL, "GET", "/", NULL, &a);
	assert_int_equal(a.status, 404);
	kt_webroot_free(root);

	assert_null(kt_webroot_load("/nonexistent/keten-web", &err));
	assert_string_equal(err.code, "web_root");
	kt_err_release(&err);
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	assert_int_equal(system(sub), 0);
}

static void test_page_paths(void **state)
{
	(void)state;
	assert_true(kt_page_path("/"));
	assert_true(kt_page_path("/customer/"));
	assert_true(kt_page_path("/v1x"));
	assert_false(kt_page_path("/v1"));
	assert_false(kt_page_path("/v1/tickets"));
	assert_false(kt_page_path("/metrics"));
	assert_false(kt_page_path("/readyz"));
	assert_false(kt_page_path("/healthz"));
	assert_false(kt_page_path("/openapi.yaml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_refused),
		cmocka_unit_test(test_path_accepted),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_page_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
