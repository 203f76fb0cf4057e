/* json_field.h - the broker's one checker of request JSON fields: bounded
 * text members, unknown members reported at their JSON pointer, and the
 * shape of a uuid. Pure; problems go to err as {path, message} details. */
#ifndef KETEN_JSON_FIELD_H
#define KETEN_JSON_FIELD_H

#include <stddef.h>

#include <jansson.h>

#include "keten/err.h"

/* 1 when v is a JSON string of min..max bytes, else 0 (also for NULL). */
int kt_json_is_text(const json_t *v, size_t min, size_t max);

/* The string member name of body, of min..max bytes; NULL (JSON null
 * counts as absent) with a detail "/name" added to err when it is
 * required and absent ("is required"), not a string ("must be a string"),
 * or of another length ("must be <min> to <max> bytes long"). Borrowed
 * from body. */
const char *kt_json_text_member(const json_t *body, const char *name, int required,
				size_t min, size_t max, struct kt_err *err);

/* Adds a detail "is not <what>" to err for each member of object body
 * whose name is not one of known[0..n), at its JSON pointer, in body order. */
void kt_json_unknown_members(const json_t *body, const char *const *known, size_t n,
			     const char *what, struct kt_err *err);

/* 1 when s has the shape of a uuid: 8-4-4-4-12 hex digits, any case;
 * 0 otherwise and for NULL. */
int kt_is_uuid(const char *s);

#endif
