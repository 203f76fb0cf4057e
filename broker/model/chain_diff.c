/* chain_diff.c - the comparison of a service's chain with a stored version
 * (members by name, component trees node by node) and chain JSON written
 * with people's numbers. Pure; see model/chain_diff.h. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "keten/err.h"
#include "model/chain_diff.h"
#include "model/chain_types.h"
#include "model/chain_walk.h"

/* A change summary is a ", "-separated list of words, each member or
 * component named at most once: a few times the size of the two documents
 * compared at most. */
#define WORDS_MAX (4 * (size_t)KT_CHAIN_DOC_MAX_BYTES)

static void words_add(struct kt_buf *w, const char *prefix, const char *word)
{
	if (w->len)
		kt_buf_add(w, ", ", 2);
	kt_buf_adds(w, prefix);
	kt_buf_adds(w, word);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds prefix + each member name of set to w, in byte order. */
static void words_add_sorted(struct kt_buf *w, const char *prefix, json_t *set)
{
	size_t n = json_object_size(set), i = 0;
	const char **names;
	const char *name;
	json_t *v;

	if (n == 0)
		return;
	names = malloc(n * sizeof(*names));
	if (!names) {
		w->failed = 1;
		return;
	}
	json_object_foreach(set, name, v)
		names[i++] = name;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		words_add(w, prefix, names[i]);
	free(names);
}

static int skipped(const char *name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (strcmp(name, *skip) == 0)
			return 1;
	return 0;
}

/* Counts the members of a or b (objects, or NULL for none) not in skip whose
 * values differ, and puts their names in set when set is not NULL. */
static size_t differing_members(json_t *a, json_t *b, const char *const *skip,
				json_t *set, int *oom)
{
	const char *name;
	json_t *v;
	size_t n = 0;

	json_object_foreach(a, name, v) {
		if (skipped(name, skip) || json_equal(v, json_object_get(b, name)))
			continue;
		n++;
		if (set && json_object_set_new(set, name, json_true()))
			*oom = 1;
	}
	json_object_foreach(b, name, v) {
		if (skipped(name, skip) || json_object_get(a, name))
			continue;
		n++;
		if (set && json_object_set_new(set, name, json_true()))
			*oom = 1;
	}
	return n;
}

struct flat {
	json_t *map;                    /* key -> [node, parent key or null] */
	int oom;
};

/* Lenient: a stored document of an older version need not pass today's
 * rules, so nodes without a string key are passed over. */
static enum kt_walk_next flatten_node(void *arg, json_t *node, json_t *parent,
				   int depth, struct kt_jptr *path)
{
	struct flat *f = arg;
	const char *key = json_string_value(json_object_get(node, "key"));
	const char *parent_key = json_string_value(json_object_get(parent, "key"));

	(void)path;
	if (depth > KT_CHAIN_MAX_DEPTH)
		return KT_WALK_SKIP;
	if (key && json_object_set_new(f->map, key,
				       json_pack("[O, s?]", node, parent_key))) {
		f->oom = 1;
		return KT_WALK_STOP;
	}
	return KT_WALK_DESCEND;
}

static int flatten(json_t *tree, struct flat *f)
{
	struct kt_jptr path = { .len = 0 };

	f->map = json_object();
	if (!f->map)
		return KT_ERR;
	path.buf[0] = '\0';
	kt_chain_walk(tree, NULL, 1, &path, flatten_node, f);
	return f->oom ? KT_ERR : KT_OK;
}

/* Adds "+ component k", "- component k", "~ component k" (each group in
 * key order) to w; "component order" when only the order of nodes differs. */
static void diff_components(json_t *old_tree, json_t *new_tree, struct kt_buf *w)
{
	static const char *const not_children[] = { "children", NULL };
	struct flat a = { 0 }, b = { 0 };
	json_t *added = json_object(), *removed = json_object(),
	       *changed = json_object();
	const char *key;
	json_t *nb, *na;
	int oom = 0;

	if (!added || !removed || !changed || flatten(old_tree, &a) ||
	    flatten(new_tree, &b))
		goto oom;
	json_object_foreach(b.map, key, nb) {
		na = json_object_get(a.map, key);
		if (!na)
			oom |= json_object_set_new(added, key, json_true());
		else if (!json_equal(json_array_get(na, 1), json_array_get(nb, 1)) ||
			 differing_members(json_array_get(na, 0), json_array_get(nb, 0),
					   not_children, NULL, &oom) > 0)
			oom |= json_object_set_new(changed, key, json_true());
	}
	json_object_foreach(a.map, key, na)
		if (!json_object_get(b.map, key))
			oom |= json_object_set_new(removed, key, json_true());
	if (oom)
		goto oom;
	words_add_sorted(w, "+ component ", added);
	words_add_sorted(w, "- component ", removed);
	words_add_sorted(w, "~ component ", changed);
	if (json_object_size(added) + json_object_size(removed) +
	    json_object_size(changed) == 0)
		words_add(w, "", "component order");
	goto out;
oom:
	w->failed = 1;
out:
	json_decref(a.map);
	json_decref(b.map);
	json_decref(added);
	json_decref(removed);
	json_decref(changed);
}

int kt_chain_service_diff(json_t *old_service, json_t *new_service, char **what)
{
	static const char *const identity[] = { "key", "customer", NULL };
	json_t *members = json_object(), *empty = json_object();
	struct kt_buf w;
	const char **names = NULL;
	const char *name;
	json_t *v;
	size_t n, i = 0;
	int oom = 0, rc = KT_ERR;

	*what = NULL;
	kt_buf_init(&w, WORDS_MAX);
	if (!members || !empty)
		goto out;
	if (!old_service)
		old_service = empty;
	n = differing_members(old_service, new_service, identity, members, &oom);
	if (oom)
		goto out;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (!(names = malloc(n * sizeof(*names))))
		goto out;
	/* The service's own members by name, then its components. */
	json_object_foreach(members, name, v)
		names[i++] = name;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "components") != 0)
			words_add(&w, "", names[i]);
	if (json_object_get(members, "components"))
		diff_components(json_object_get(old_service, "components"),
				json_object_get(new_service, "components"), &w);
	if (!(*what = kt_buf_detach(&w)))
		goto out;
	rc = 1;
out:
	free(names);
	kt_buf_release(&w);
	json_decref(members);
	json_decref(empty);
	return rc;
}

char *kt_chain_dumps(const json_t *v, size_t flags)
{
	char *text = json_dumps(v, flags | JSON_REAL_PRECISION(15));
	json_t *back;

	if (!text)
		return NULL;
	back = json_loads(text, JSON_DECODE_ANY, NULL);
	if (back && json_equal(back, v)) {
		json_decref(back);
		return text;
	}
	json_decref(back);
	free(text);
	return json_dumps(v, flags);
}
