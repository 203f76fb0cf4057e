/* report_csv.c - a report flattened to "metric,value" CSV lines (see
 * admin/report_csv.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/report_csv.h"
#include "base/buf.h"

/* The most of a metric's path; reports nest a few levels of short keys. */
#define PATH_MAX_BYTES 512
/* A CSV answer is at most this large. */
#define CSV_MAX_BYTES (4 * 1024 * 1024)

static int cell(struct kt_buf *b, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';

	if (quote && kt_buf_add(b, "\"", 1))
		return -1;
	if (formula && kt_buf_add(b, "'", 1))
		return -1;
	for (const char *p = s; *p; p++)
		if (kt_buf_add(b, p, 1) || (*p == '"' && kt_buf_add(b, "\"", 1)))
			return -1;
	return quote ? kt_buf_add(b, "\"", 1) : 0;
}

/* The text of a scalar: a string as it is, null empty, a real in up to
 * 15 digits (80, not 80.0), others as JSON. */
static int value(struct kt_buf *b, const json_t *v)
{
	char *text;
	int rc;

	if (json_is_string(v))
		return cell(b, json_string_value(v));
	if (json_is_null(v))
		return 0;
	if (json_is_real(v)) {
		char num[32];

		snprintf(num, sizeof(num), "%.15g", json_real_value(v));
		return kt_buf_adds(b, num);
	}
	if (!(text = json_dumps(v, JSON_ENCODE_ANY)))
		return -1;
	rc = kt_buf_add(b, text, strlen(text));
	free(text);
	return rc;
}

static int walk(struct kt_buf *b, char *path, size_t len, const json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;
	int n;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m) {
			n = snprintf(path + len, PATH_MAX_BYTES - len, "%s%s", len ? "." : "", key);
			if (n < 0 || (size_t)n >= PATH_MAX_BYTES - len ||
			    walk(b, path, len + (size_t)n, m))
				return -1;
		}
		return 0;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			n = snprintf(path + len, PATH_MAX_BYTES - len, "%s%zu", len ? "." : "", i);
			if (n < 0 || (size_t)n >= PATH_MAX_BYTES - len ||
			    walk(b, path, len + (size_t)n, m))
				return -1;
		}
		return 0;
	}
	path[len] = '\0';
	return cell(b, path) || kt_buf_add(b, ",", 1) || value(b, v) ||
	       kt_buf_adds(b, "\r\n");
}

char *kt_report_csv(const json_t *report)
{
	struct kt_buf b;
	char path[PATH_MAX_BYTES];

	kt_buf_init(&b, CSV_MAX_BYTES);
	path[0] = '\0';
	if (kt_buf_adds(&b, "metric,value\r\n") || walk(&b, path, 0, report)) {
		kt_buf_release(&b);
		return NULL;
	}
	return kt_buf_detach(&b);
}
