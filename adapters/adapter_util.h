/* adapters/adapter_util.h - small helpers the supplier adapters share: the
 * walk of a mapping check (where it is as a JSON pointer, one err detail
 * per problem), the live check's "unknown value" error, Keten's origin
 * marker "[keten:...]" at the end of a comment, and the one-line text of a
 * supplier's error body. Private to adapters/. */
#ifndef KETEN_ADAPTER_UTIL_H
#define KETEN_ADAPTER_UTIL_H

#include <stddef.h>

#include <jansson.h>

#include "keten/adapter.h"
#include "keten/err.h"

/* A mapping check under way: err takes the problems, at is the JSON
 * pointer of where the check is ("" at the top), problems counts them. */
struct kt_map_walk {
	struct kt_err *err;
	char at[320];
	int problems;
};

/* Records a problem at w's place (the text cut at 240 bytes) and counts it. */
void kt_map_walk_note(struct kt_map_walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Records text as a problem at path (a JSON pointer the caller built, in
 * place of w's own place) and counts it. */
void kt_map_walk_note_at(struct kt_map_walk *w, const char *path, const char *text);

/* Goes down to member key (escaped as a JSON pointer token; a pointer
 * that would not fit is cut); returns where to come back to with
 * kt_map_walk_up(). */
size_t kt_map_walk_down(struct kt_map_walk *w, const char *key);

/* Comes back to back, what kt_map_walk_down() returned. */
void kt_map_walk_up(struct kt_map_walk *w, size_t back);

/* The live check's finding that the supplier does not know a value the
 * mapping names: what at path (a JSON pointer into the mapping) as err's
 * detail, and err set to KT_EC_INVALID "mapping_unknown_value" with
 * message. Returns KT_ERR. */
int kt_check_unknown(struct kt_err *err, const char *path, const char *what, const char *message);

/* Cuts Keten's origin marker "[keten:...]" off the end of text (in place,
 * with the blanks and newlines before it): *origin takes "keten:..." (the
 * caller's to free), or NULL when text carries no marker. Returns 0, or
 * -1 out of memory (text is then cut all the same). */
int kt_comment_split_origin(char *text, char **origin);

/* The body of answer a as JSON, or NULL when empty or not JSON; the
 * caller's to json_decref. */
json_t *kt_answer_json(const struct kt_answer *a);

/* Writes "head: text" into buf (n bytes), or whichever of the two is there
 * and not empty, cut at a UTF-8 character boundary to fit (head alone when
 * no byte of text would fit after it). Returns 1 when it wrote, 0 when both
 * are NULL or empty or n is 0 (buf untouched). */
int kt_error_text(char *buf, size_t n, const char *head, const char *text);

#endif
