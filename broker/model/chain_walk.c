/* chain_walk.c - JSON pointers built while walking a chain document, and
 * the walk over a component tree that the rules and the diff share (see
 * model/chain_walk.h). Pure. */
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "keten/err.h"
#include "model/chain_walk.h"

size_t kt_jptr_push(struct kt_jptr *p, const char *seg)
{
	const size_t end = sizeof(p->buf) - sizeof("...");
	size_t mark = p->len;
	const char *s = seg;

	if (p->len >= end)
		return mark;
	p->buf[p->len++] = '/';
	for (; *s && p->len + 2 <= end; s++) {
		if (*s == '~' || *s == '/') {
			p->buf[p->len++] = '~';
			p->buf[p->len++] = *s == '~' ? '0' : '1';
		} else {
			p->buf[p->len++] = *s;
		}
	}
	if (*s) {
		/* Drop a partly copied UTF-8 character so the path stays text. */
		p->buf[p->len] = '\0';
		kt_utf8_trim(p->buf + mark + 1);
		p->len = mark + 1 + strlen(p->buf + mark + 1);
		memcpy(p->buf + p->len, "...", 3);
		p->len += 3;
	}
	p->buf[p->len] = '\0';
	return mark;
}

size_t kt_jptr_index(struct kt_jptr *p, size_t i)
{
	char num[24];

	snprintf(num, sizeof(num), "%zu", i);
	return kt_jptr_push(p, num);
}

size_t kt_jptr_append(struct kt_jptr *p, const char *ptr)
{
	size_t mark = p->len, room = sizeof(p->buf) - 1 - p->len;
	size_t n = strlen(ptr);

	if (n > room) {
		n = room;
		memcpy(p->buf + p->len, ptr, n);
		p->buf[p->len + n] = '\0';
		kt_utf8_trim(p->buf + mark);
		p->len = strlen(p->buf);
		return mark;
	}
	memcpy(p->buf + p->len, ptr, n + 1);
	p->len += n;
	return mark;
}

void kt_jptr_pop(struct kt_jptr *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

int kt_chain_walk(json_t *tree, json_t *parent, int depth, struct kt_jptr *path,
		  kt_walk_fn visit, void *arg)
{
	size_t i, mark, kids_mark;
	json_t *node, *kids;
	enum kt_walk_next next;
	int rc = KT_OK;

	json_array_foreach(tree, i, node) {
		mark = kt_jptr_index(path, i);
		next = visit(arg, node, parent, depth, path);
		kids = json_object_get(node, "children");
		if (next == KT_WALK_STOP) {
			rc = KT_ERR;
		} else if (next == KT_WALK_DESCEND && json_is_array(kids)) {
			kids_mark = kt_jptr_push(path, "children");
			rc = kt_chain_walk(kids, node, depth + 1, path, visit, arg);
			kt_jptr_pop(path, kids_mark);
		}
		kt_jptr_pop(path, mark);
		if (rc != KT_OK)
			break;
	}
	return rc;
}
