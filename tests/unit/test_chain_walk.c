/* test_chain_walk.c - unit tests of broker/model/chain_walk.c: JSON
 * pointers pushed, escaped, popped and cut at a character when too long,
 * and the walk over a component tree (document order, skip, stop). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "keten/err.h"
#include "model/chain_walk.h"

static void test_jptr(void **state)
{
	static const struct { const char *seg, *want; } cases[] = {
		{ "services", "/services" },
		{ "a/b", "/a~1b" },
		{ "~x~", "/~0x~0" },
		{ "", "/" },
		{ "\xc3\xa9t\xc3\xa9", "/\xc3\xa9t\xc3\xa9" },
	};
	struct kt_jptr p = { .len = 0 };
	size_t mark, mark2;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		mark = kt_jptr_push(&p, cases[i].seg);
		assert_int_equal(mark, 0);
		assert_string_equal(p.buf, cases[i].want);
		kt_jptr_pop(&p, mark);
		assert_string_equal(p.buf, "");
	}
	mark = kt_jptr_push(&p, "services");
	mark2 = kt_jptr_index(&p, 12);
	assert_string_equal(p.buf, "/services/12");
	kt_jptr_pop(&p, mark2);
	assert_string_equal(p.buf, "/services");
	kt_jptr_pop(&p, mark);
}

/* A segment too long for the buffer ends in "..." after whole characters,
 * wherever the buffer's end falls in a character; later pushes add nothing. */
static void test_jptr_cut(void **state)
{
	char seg[2 * KT_JPTR_BYTES];

	(void)state;
	for (size_t shift = 0; shift < 4; shift++) {
		struct kt_jptr p = { .len = 0 };
		size_t o = 0, mark;

		memset(seg, 'a', shift);
		for (o = shift; o + 3 < sizeof(seg); o += 2)
			memcpy(seg + o, "\xc3\xa9", 2);
		seg[o] = '\0';
		kt_jptr_push(&p, seg);
		assert_true(p.len < KT_JPTR_BYTES);
		assert_int_equal(p.len, strlen(p.buf));
		assert_string_equal(p.buf + p.len - 3, "...");
		/* what precedes "..." is whole characters */
		assert_true((unsigned char)p.buf[p.len - 4] == 0xa9 ||
			    p.buf[p.len - 4] == 'a');
		mark = kt_jptr_push(&p, "more");
		assert_int_equal(mark, p.len);
		assert_string_equal(p.buf + p.len - 3, "...");
	}
}

struct seen {
	char paths[8][64];
	int depths[8];
	size_t n;
	const char *skip, *stop;   /* key whose children to skip / to stop at */
};

static enum kt_walk_next visit(void *arg, json_t *node, json_t *parent, int depth,
			       struct kt_jptr *path)
{
	struct seen *s = arg;
	const char *key = json_string_value(json_object_get(node, "key"));

	(void)parent;
	snprintf(s->paths[s->n], sizeof(s->paths[0]), "%.63s", path->buf);
	s->depths[s->n++] = depth;
	if (s->stop && strcmp(key, s->stop) == 0)
		return KT_WALK_STOP;
	if (s->skip && strcmp(key, s->skip) == 0)
		return KT_WALK_SKIP;
	return KT_WALK_DESCEND;
}

static void test_walk(void **state)
{
	json_t *tree = json_loads("[{\"key\": \"a\", \"children\": [{\"key\": \"b\"},"
				  " {\"key\": \"c\", \"children\": [{\"key\": \"d\"}]}]},"
				  " {\"key\": \"e\"}]", 0, NULL);
	struct kt_jptr path = { .len = 0 };
	struct seen all = { .n = 0 }, skip = { .skip = "c" }, stop = { .stop = "c" };

	(void)state;
	assert_int_equal(kt_chain_walk(tree, NULL, 1, &path, visit, &all), KT_OK);
	assert_int_equal(all.n, 5);
	assert_string_equal(all.paths[0], "/0");
	assert_string_equal(all.paths[1], "/0/children/0");
	assert_string_equal(all.paths[2], "/0/children/1");
	assert_string_equal(all.paths[3], "/0/children/1/children/0");
	assert_int_equal(all.depths[3], 3);
	assert_string_equal(all.paths[4], "/1");
	assert_string_equal(path.buf, "");

	assert_int_equal(kt_chain_walk(tree, NULL, 1, &path, visit, &skip), KT_OK);
	assert_int_equal(skip.n, 4);
	assert_string_equal(skip.paths[3], "/1");

	assert_int_equal(kt_chain_walk(tree, NULL, 1, &path, visit, &stop), KT_ERR);
	assert_int_equal(stop.n, 3);
	assert_string_equal(path.buf, "");
	json_decref(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jptr),
		cmocka_unit_test(test_jptr_cut),
		cmocka_unit_test(test_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
