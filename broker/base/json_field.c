/* json_field.c - checks of request JSON fields (see base/json_field.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/json_field.h"
#include "base/utf8.h"

int kt_json_is_text(const json_t *v, size_t min, size_t max)
{
	return json_is_string(v) && json_string_length(v) >= min &&
	       json_string_length(v) <= max;
}

/* "/" + name escaped as a JSON Pointer token (~ -> ~0, / -> ~1), cut to
 * fit on a character boundary. */
static void json_pointer_token(const char *name, char *out, size_t outsz)
{
	size_t o = 0;

	out[o++] = '/';
	for (; *name && o + 3 < outsz; name++) {
		if (*name == '~' || *name == '/') {
			out[o++] = '~';
			out[o++] = *name == '~' ? '0' : '1';
		} else {
			out[o++] = *name;
		}
	}
	out[o] = '\0';
	kt_utf8_trim(out);
}

void kt_json_unknown_members(const json_t *body, const char *const *known, size_t n,
			     const char *what, struct kt_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		size_t i;
		char path[80];

		for (i = 0; i < n && strcmp(known[i], key) != 0; i++)
			;
		if (i == n) {
			json_pointer_token(key, path, sizeof(path));
			kt_err_detail(err, path, "is not %s", what);
		}
	}
}

const char *kt_json_text_member(const json_t *body, const char *name, int required,
				size_t min, size_t max, struct kt_err *err)
{
	const json_t *v = json_object_get(body, name);
	char path[40];

	snprintf(path, sizeof(path), "/%s", name);
	if (!v || json_is_null(v)) {
		if (required)
			kt_err_detail(err, path, "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		kt_err_detail(err, path, "must be a string");
		return NULL;
	}
	if (!kt_json_is_text(v, min, max)) {
		kt_err_detail(err, path, "must be %zu to %zu bytes long", min, max);
		return NULL;
	}
	return json_string_value(v);
}

int kt_is_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}
