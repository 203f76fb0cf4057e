/* err.c - filling, extending and rendering struct kt_err (see keten/err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keten/err.h"

void kt_utf8_trim(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char lead;

	/* Back over continuation bytes to the last character's lead byte and
	 * cut that character when it has fewer bytes than its lead promises. */
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead < 0x80)
		return;
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

int kt_err_set(struct kt_err *err, int status, const char *code,
	       const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return KT_ERR;
	err->status = status;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	kt_utf8_trim(err->message);
	return KT_ERR;
}

void kt_err_detail(struct kt_err *err, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kt_utf8_trim(msg);
	if (!err->details)
		err->details = json_array();
	json_array_append_new(err->details,
			      json_pack("{s:s, s:s}", "path", path,
					"message", msg));
}

int kt_err_isset(const struct kt_err *err)
{
	return err && err->code[0] != '\0';
}

void kt_err_release(struct kt_err *err)
{
	if (!err)
		return;
	json_decref(err->details);
	memset(err, 0, sizeof(*err));
}

json_t *kt_err_to_json(const struct kt_err *err)
{
	json_t *e = json_pack("{s:s, s:s}",
			      "code", err->code[0] ? err->code : "internal",
			      "message", err->message[0] ? err->message
							 : "internal error");

	/* A message that is not valid UTF-8 (it cannot be: kt_err_set trims,
	 * and values come from parsed JSON) still gets an answer. */
	if (!e)
		e = json_pack("{s:s, s:s}", "code", "internal", "message", "internal error");
	if (err->details)
		json_object_set(e, "details", err->details);
	return json_pack("{s:o}", "error", e);
}
