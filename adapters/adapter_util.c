/* adapters/adapter_util.c - small helpers the supplier adapters share: the
 * JSON pointer walk of a mapping check, the live check's "unknown value"
 * error, Keten's origin marker at the end of a comment, and the one-line
 * text of a supplier's error body. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "adapter_util.h"

#define MARKER_OPEN "[keten:"

void kt_map_walk_note(struct kt_map_walk *w, const char *fmt, ...)
{
	char text[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	kt_utf8_trim(text);
	kt_err_detail(w->err, w->at, "%s", text);
	w->problems++;
}

void kt_map_walk_note_at(struct kt_map_walk *w, const char *path, const char *text)
{
	kt_err_detail(w->err, path, "%s", text);
	w->problems++;
}

size_t kt_map_walk_down(struct kt_map_walk *w, const char *key)
{
	size_t back = strlen(w->at), n = back;

	if (n + 1 < sizeof(w->at))
		w->at[n++] = '/';
	for (; *key && n + 3 < sizeof(w->at); key++) {
		if (*key == '~' || *key == '/') {
			w->at[n++] = '~';
			w->at[n++] = *key == '/' ? '1' : '0';
		} else {
			w->at[n++] = *key;
		}
	}
	w->at[n] = '\0';
	return back;
}

void kt_map_walk_up(struct kt_map_walk *w, size_t back)
{
	w->at[back] = '\0';
}

int kt_check_unknown(struct kt_err *err, const char *path, const char *what, const char *message)
{
	kt_err_detail(err, path, "%s", what);
	return kt_err_set(err, KT_EC_INVALID, "mapping_unknown_value", "%s", message);
}

int kt_comment_split_origin(char *text, char **origin)
{
	size_t n = strlen(text);
	char *open = strrchr(text, '[');

	*origin = NULL;
	if (n == 0 || text[n - 1] != ']' || !open ||
	    strncmp(open, MARKER_OPEN, strlen(MARKER_OPEN)) != 0)
		return 0;
	text[n - 1] = '\0';
	*origin = strdup(open + 1);
	*open = '\0';
	for (n = strlen(text); n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '); n--)
		text[n - 1] = '\0';
	return *origin ? 0 : -1;
}

json_t *kt_answer_json(const struct kt_answer *a)
{
	return a->body && a->len > 0 ? json_loadb(a->body, a->len, 0, NULL) : NULL;
}

/* Appends as much of s to the used bytes of buf (n bytes) as fits whole
 * characters; returns the new length. */
static size_t append(char *buf, size_t n, size_t used, const char *s)
{
	size_t k = kt_utf8_cut(s, strlen(s), n - 1 - used);

	memcpy(buf + used, s, k);
	buf[used + k] = '\0';
	return used + k;
}

int kt_error_text(char *buf, size_t n, const char *head, const char *text)
{
	int has_head = head && *head, has_text = text && *text;
	size_t used = 0;

	if ((!has_head && !has_text) || n == 0)
		return 0;
	buf[0] = '\0';
	if (has_head)
		used = append(buf, n, used, head);
	if (has_head && has_text && used + 2 >= n - 1)
		return 1; /* no room left for the text */
	if (has_head && has_text)
		used = append(buf, n, used, ": ");
	if (has_text)
		append(buf, n, used, text);
	return 1;
}
