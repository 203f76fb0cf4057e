/* test_log.c - unit tests of broker/base/log.c: one JSON object per line
 * on stderr, the caller's fields kept, real numbers (a request's
 * milliseconds) written short, not as the nearest binary double's 17
 * digits, and lines below the level dropped. stderr goes to a temporary
 * file for the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/log.h"

/* Runs log(level, fields) with stderr in a temporary file; returns what
 * was written (the caller frees it). */
static char *captured(enum kt_log_level level, json_t *fields, const char *msg)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *text = calloc(1, 4096);
	size_t n;

	assert_non_null(tmp);
	assert_non_null(text);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	kt_log(level, fields, "%s", msg);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(text, 1, 4095, tmp);
	text[n] = '\0';
	fclose(tmp);
	return text;
}

static void test_line(void **state)
{
	char *text = captured(KT_LOG_INFO, json_pack("{s:s, s:f, s:i}", "route", "/readyz",
						     "ms", 75.21, "status", 200), "request");
	json_t *line;

	(void)state;
	assert_non_null(strchr(text, '\n'));
	assert_string_equal(strchr(text, '\n'), "\n"); /* one line */
	line = json_loads(text, 0, NULL);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(line, "msg")), "request");
	assert_string_equal(json_string_value(json_object_get(line, "route")), "/readyz");
	assert_non_null(strstr(text, "\"ms\":75.21,"));
	json_decref(line);
	free(text);
}

static void test_level(void **state)
{
	char *text;

	(void)state;
	kt_log_set_level(KT_LOG_WARN);
	text = captured(KT_LOG_INFO, json_pack("{s:s}", "k", "v"), "dropped");
	assert_string_equal(text, "");
	free(text);
	text = captured(KT_LOG_ERROR, NULL, "kept");
	assert_non_null(strstr(text, "\"level\":\"error\""));
	free(text);
	kt_log_set_level(KT_LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
