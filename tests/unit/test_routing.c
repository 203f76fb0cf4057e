/* test_routing.c - unit tests of broker/routing.c: which legs a ticket on a
 * component gets. Table-driven over small component trees written out in
 * the order the store would load them; each case names its target and the
 * exact legs (supplier, component) expected, in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "chain_doc.h"
#include "routing.h"

#define MAX_NODES 40

/* {key, parent_key, supplier_id} */
#define ROOT(k) { k, NULL, NULL }
#define NODE(k, parent) { k, parent, NULL }
#define SUPP(k, parent, s) { k, parent, s }

struct want_leg {
	const char *supplier_id, *component_key;
};

struct route_case {
	const char *name;
	struct kt_component tree[MAX_NODES];
	size_t n;
	const char *target;
	int want;
	struct want_leg legs[KT_ROUTE_MAX_LEGS];
};

/*
 * The shared shape of most cases:
 *
 *   svc
 *   +- app            (no supplier)
 *   |  +- web  -> s-web
 *   |  +- db   -> s-db
 *   |  +- cache -> s-db      (one supplier behind two leaves)
 *   +- net  -> s-net          (owns its subtree)
 *   |  +- router -> s-router
 *   +- empty           (no supplier anywhere below)
 *      +- void
 *
 * Listed so that array order differs from depth-first order: leaves come
 * before their parents, "net" before "app".
 */
#define SHAPE                                                            \
	{ SUPP("router", "net", "s-router"), SUPP("web", "app", "s-web"),   \
	  ROOT("svc"), SUPP("net", "svc", "s-net"),                          \
	  SUPP("db", "app", "s-db"), NODE("void", "empty"),                 \
	  NODE("app", "svc"), SUPP("cache", "app", "s-db"),                 \
	  NODE("empty", "svc") }
#define SHAPE_N 9

static const struct route_case cases[] = {
	{ "leaf with a supplier", SHAPE, SHAPE_N, "web", 1,
	  { { "s-web", "web" } } },
	{ "another leaf", SHAPE, SHAPE_N, "db", 1, { { "s-db", "db" } } },
	{ "parent fans out to distinct suppliers in tree order", SHAPE,
	  SHAPE_N, "app", 2, { { "s-web", "web" }, { "s-db", "db" } } },
	{ "root: depth first, siblings in array order", SHAPE, SHAPE_N,
	  "svc", 3,
	  { { "s-net", "net" }, { "s-web", "web" }, { "s-db", "db" } } },
	{ "node with its own supplier owns its subtree", SHAPE, SHAPE_N,
	  "net", 1, { { "s-net", "net" } } },
	{ "leaf below an owning node still routes to its own supplier",
	  SHAPE, SHAPE_N, "router", 1, { { "s-router", "router" } } },
	{ "one supplier behind two leaves gets one leg", SHAPE, SHAPE_N,
	  "cache", 1, { { "s-db", "cache" } } },
	{ "no supplier below: no legs (triage)", SHAPE, SHAPE_N, "empty", 0,
	  { { NULL, NULL } } },
	{ "leaf without a supplier: no legs", SHAPE, SHAPE_N, "void", 0,
	  { { NULL, NULL } } },
	{ "unknown target", SHAPE, SHAPE_N, "nope", KT_ROUTE_UNKNOWN, { { NULL, NULL } } },
	{ "target differs only in case", SHAPE, SHAPE_N, "Web", KT_ROUTE_UNKNOWN,
	  { { NULL, NULL } } },
	{ "target is a prefix of a key", SHAPE, SHAPE_N, "we", KT_ROUTE_UNKNOWN,
	  { { NULL, NULL } } },
	{ "empty tree", { { NULL, NULL, NULL } }, 0, "svc", KT_ROUTE_UNKNOWN,
	  { { NULL, NULL } } },
	{ "NULL target: no legs, ticket waits in triage", SHAPE, SHAPE_N,
	  NULL, 0, { { NULL, NULL } } },
	{ "NULL target on an empty tree", { { NULL, NULL, NULL } }, 0, NULL,
	  0, { { NULL, NULL } } },
	{ "two-node cycle without suppliers terminates",
	  { NODE("a", "b"), NODE("b", "a") }, 2, "a", 0, { { NULL, NULL } } },
	{ "self-parent terminates", { NODE("a", "a") }, 1, "a", 0,
	  { { NULL, NULL } } },
	{ "cycle with a supplier hanging off it: one leg",
	  { NODE("a", "c"), NODE("b", "a"), NODE("c", "b"),
	    SUPP("x", "b", "s-x") },
	  4, "a", 1, { { "s-x", "x" } } },
	{ "cycle of suppliers' parents: the target's own supplier",
	  { SUPP("a", "b", "s-a"), SUPP("b", "a", "s-b") }, 2, "a", 1,
	  { { "s-a", "a" } } },
};

static void check_case(const struct route_case *c)
{
	struct kt_route_leg out[KT_ROUTE_MAX_LEGS + 1];
	int got;

	memset(out, 0, sizeof(out));
	got = kt_route_legs(c->n ? c->tree : NULL, c->n, c->target, out);
	if (got != c->want)
		fail_msg("%s: %d legs, want %d", c->name, got, c->want);
	for (int i = 0; i < got; i++) {
		if (!out[i].supplier_id || !out[i].component_key ||
		    strcmp(out[i].supplier_id, c->legs[i].supplier_id) != 0 ||
		    strcmp(out[i].component_key, c->legs[i].component_key) != 0)
			fail_msg("%s: leg %d is (%s, %s), want (%s, %s)", c->name,
				 i, out[i].supplier_id ? out[i].supplier_id : "NULL",
				 out[i].component_key ? out[i].component_key : "NULL",
				 c->legs[i].supplier_id, c->legs[i].component_key);
	}
	/* nothing is written past the legs returned */
	for (int i = got < 0 ? 0 : got; i < KT_ROUTE_MAX_LEGS + 1; i++)
		if (out[i].supplier_id || out[i].component_key)
			fail_msg("%s: slot %d written beyond the %d legs", c->name,
				 i, got);
}

static void test_route_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		check_case(&cases[i]);
}

/* The legs point into the tree (borrowed), not at copies. */
static void test_route_borrows(void **state)
{
	static const struct kt_component tree[] = {
		ROOT("svc"), SUPP("web", "svc", "s-web"),
	};
	struct kt_route_leg out[KT_ROUTE_MAX_LEGS];

	(void)state;
	assert_int_equal(kt_route_legs(tree, N_ELEMS(tree), "svc", out), 1);
	assert_ptr_equal(out[0].supplier_id, tree[1].supplier_id);
	assert_ptr_equal(out[0].component_key, tree[1].key);
}

/* More distinct suppliers below the target than a ticket may have legs:
 * KT_ROUTE_TOO_MANY (never a ticket routed to only some of them), also
 * when more suppliers follow the overflow, and nothing is written past
 * KT_ROUTE_MAX_LEGS legs. Sizes are the suppliers under "a", then "b". */
static void test_route_too_many(void **state)
{
	static const struct {
		int under_a, under_b;
		const char *target;
		int want;
	} cases[] = {
		{ KT_ROUTE_MAX_LEGS + 1, 0, "svc", KT_ROUTE_TOO_MANY },
		{ KT_ROUTE_MAX_LEGS + 5, 0, "svc", KT_ROUTE_TOO_MANY },
		{ KT_ROUTE_MAX_LEGS + 1, 3, "svc", KT_ROUTE_TOO_MANY },
		{ KT_ROUTE_MAX_LEGS - 2, 3, "svc", KT_ROUTE_TOO_MANY },
		{ KT_ROUTE_MAX_LEGS - 2, 2, "svc", KT_ROUTE_MAX_LEGS },
		{ KT_ROUTE_MAX_LEGS + 1, 3, "b", 3 },
		{ KT_ROUTE_MAX_LEGS, 0, "a", KT_ROUTE_MAX_LEGS },
	};
	enum { MAX_SUPP = KT_ROUTE_MAX_LEGS + 8 };

	(void)state;
	for (size_t c = 0; c < N_ELEMS(cases); c++) {
		struct kt_component tree[MAX_SUPP + 3];
		char keys[MAX_SUPP][16], sups[MAX_SUPP][16];
		struct kt_route_leg out[KT_ROUTE_MAX_LEGS + 1];
		size_t n = 0;
		int got;

		tree[n++] = (struct kt_component)ROOT("svc");
		tree[n++] = (struct kt_component)NODE("a", "svc");
		tree[n++] = (struct kt_component)NODE("b", "svc");
		for (int i = 0; i < cases[c].under_a + cases[c].under_b; i++) {
			snprintf(keys[i], sizeof(keys[i]), "c%02d", i);
			snprintf(sups[i], sizeof(sups[i]), "s%02d", i);
			tree[n++] = (struct kt_component){
				keys[i], i < cases[c].under_a ? "a" : "b", sups[i]
			};
		}
		memset(out, 0, sizeof(out));
		got = kt_route_legs(tree, n, cases[c].target, out);
		if (got != cases[c].want)
			fail_msg("%d under a, %d under b, target %s: %d, want %d",
				 cases[c].under_a, cases[c].under_b,
				 cases[c].target, got, cases[c].want);
		assert_null(out[KT_ROUTE_MAX_LEGS].supplier_id);
		assert_null(out[KT_ROUTE_MAX_LEGS].component_key);
	}
}

/* Exactly KT_ROUTE_MAX_LEGS distinct suppliers all get a leg, and the
 * duplicates among them are not counted against the limit. */
static void test_route_max_with_duplicates(void **state)
{
	enum { N = KT_ROUTE_MAX_LEGS * 2 };
	struct kt_component tree[N + 1];
	char keys[N][16], sups[KT_ROUTE_MAX_LEGS][16];
	struct kt_route_leg out[KT_ROUTE_MAX_LEGS];

	(void)state;
	tree[0] = (struct kt_component)ROOT("svc");
	for (int i = 0; i < KT_ROUTE_MAX_LEGS; i++)
		snprintf(sups[i], sizeof(sups[i]), "s%02d", i);
	/* each supplier twice in a row: c00,c01 -> s00; c02,c03 -> s01 ... */
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "c%02d", i);
		tree[i + 1] = (struct kt_component){ keys[i], "svc", sups[i / 2] };
	}
	assert_int_equal(kt_route_legs(tree, N_ELEMS(tree), "svc", out),
			 KT_ROUTE_MAX_LEGS);
	for (int i = 0; i < KT_ROUTE_MAX_LEGS; i++) {
		assert_string_equal(out[i].supplier_id, sups[i]);
		assert_string_equal(out[i].component_key, keys[2 * i]);
	}
}

/* The deepest tree a chain document may hold (KT_CHAIN_MAX_DEPTH levels
 * below the root) still reaches the supplier at its bottom. */
static void test_route_deepest_chain(void **state)
{
	enum { N = KT_CHAIN_MAX_DEPTH + 1 };
	struct kt_component tree[N];
	char keys[N][16];
	struct kt_route_leg out[KT_ROUTE_MAX_LEGS];

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "n%02d", i);
		tree[i] = (struct kt_component){ keys[i], i ? keys[i - 1] : NULL,
						 i == N - 1 ? "s-deep" : NULL };
	}
	assert_int_equal(kt_route_legs(tree, N, "n00", out), 1);
	assert_string_equal(out[0].supplier_id, "s-deep");
	assert_string_equal(out[0].component_key, keys[N - 1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_cases),
		cmocka_unit_test(test_route_borrows),
		cmocka_unit_test(test_route_too_many),
		cmocka_unit_test(test_route_max_with_duplicates),
		cmocka_unit_test(test_route_deepest_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
