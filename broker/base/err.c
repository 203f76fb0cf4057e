/* err.c - filling, extending and rendering struct kt_err (see keten/err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "keten/err.h"

static const char *const class_names[KT_EC__COUNT] = {
	[KT_EC_INTERNAL] = "internal",       [KT_EC_MALFORMED] = "malformed",
	[KT_EC_UNAUTHENTICATED] = "unauthenticated",
	[KT_EC_FORBIDDEN] = "forbidden",     [KT_EC_NOT_FOUND] = "not_found",
	[KT_EC_METHOD] = "method",           [KT_EC_CONFLICT] = "conflict",
	[KT_EC_TOO_LARGE] = "too_large",     [KT_EC_MEDIA_TYPE] = "media_type",
	[KT_EC_INVALID] = "invalid",         [KT_EC_SUPPLIER] = "supplier",
	[KT_EC_UNAVAILABLE] = "unavailable", [KT_EC_CONFIG] = "config",
	[KT_EC_RATE_LIMITED] = "rate_limited",
};

const char *kt_err_class_name(enum kt_err_class cls)
{
	return (unsigned)cls < KT_EC__COUNT ? class_names[cls] : "internal";
}

int kt_err_class_retryable(enum kt_err_class cls)
{
	return cls == KT_EC_INTERNAL || cls == KT_EC_UNAVAILABLE ||
	       cls == KT_EC_CONFIG || cls == KT_EC_SUPPLIER || cls == KT_EC_RATE_LIMITED;
}

int kt_err_set(struct kt_err *err, enum kt_err_class cls, const char *code,
	       const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return KT_ERR;
	err->cls = cls;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	kt_utf8_trim(err->message);
	return KT_ERR;
}

/* Counts one more detail past the most kept, in the last detail. */
static void detail_not_shown(struct kt_err *err)
{
	char msg[64];
	json_t *d;

	snprintf(msg, sizeof(msg), "%zu more problem(s) not shown", ++err->details_not_shown);
	d = json_pack("{s:s, s:s}", "path", "", "message", msg);
	if (err->details_not_shown == 1)
		json_array_append_new(err->details, d);
	else
		json_array_set_new(err->details, KT_ERR_DETAILS_MAX, d);
}

void kt_err_detail(struct kt_err *err, const char *path, const char *fmt, ...)
{
	char msg[256], cut[KT_ERR_PATH_MAX + 4];
	va_list ap;

	if (!err)
		return;
	if (!err->details)
		err->details = json_array();
	if (json_array_size(err->details) >= KT_ERR_DETAILS_MAX) {
		detail_not_shown(err);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kt_utf8_trim(msg);
	if (strlen(path) > KT_ERR_PATH_MAX) {
		snprintf(cut, sizeof(cut), "%.*s", KT_ERR_PATH_MAX, path);
		kt_utf8_trim(cut);
		memcpy(cut + strlen(cut), "...", 4);
		path = cut;
	}
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
