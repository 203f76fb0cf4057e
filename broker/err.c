/* err.c - filling, extending and rendering struct kt_err (see keten/err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keten/err.h"

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
	if (err->details)
		json_object_set(e, "details", err->details);
	return json_pack("{s:o}", "error", e);
}
