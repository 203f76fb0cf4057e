/* test_routing.c - unit tests of broker/routing.c: which legs a ticket on a
 * component gets, which component a new ticket goes to (component, CI,
 * rules, default, triage), and where a rejected leg goes next. Table-driven
 * over small chains written out in the order the store would load them;
 * each case names its input and the exact answer expected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/chain_doc.h"
#include "routing/routing.h"

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

/* ---- kt_route_decide ------------------------------------------------ */

static const struct kt_component decide_tree[] = SHAPE;

static const struct kt_route_item decide_items[] = {
	{ "srv-web-01", "web" }, { "rtr-1", "router" }, { "disk-9", "db" },
};

/* Listed so that a less specific rule comes before a more specific one,
 * and two equally specific rules tie (the earlier wins). */
static const struct kt_route_rule decide_rules[] = {
	{ "request", NULL, "app" },        /* 0: type */
	{ NULL, "account", "web" },        /* 1: category */
	{ "request", "account", "db" },    /* 2: type + category */
	{ "incident", "network", "net" },  /* 3: type + category */
	{ NULL, "network", "router" },     /* 4: category */
	{ "request", "account", "cache" }, /* 5: ties with 2 */
	{ "change", NULL, "empty" },       /* 6: type */
	{ "change", NULL, "web" },         /* 7: ties with 6 */
	{ NULL, NULL, "void" },            /* 8: matches nothing */
};

#define FULL_CHAIN(def)                                                        \
	{ decide_tree, SHAPE_N, decide_items, N_ELEMS(decide_items), decide_rules, \
	  N_ELEMS(decide_rules), def }

struct decide_case {
	const char *name;
	struct kt_route_chain chain;
	struct kt_route_ask ask;   /* type, component, category, ci */
	int want_rc;
	enum kt_route_by want_by;
	const char *want_component;
	int want_rule;
};

static const struct decide_case decide_cases[] = {
	{ "named component", FULL_CHAIN("svc"), { "incident", "web", NULL, NULL },
	  0, KT_ROUTE_BY_COMPONENT, "web", -1 },
	{ "named component beats CI and rules", FULL_CHAIN("svc"),
	  { "request", "net", "account", "srv-web-01" }, 0, KT_ROUTE_BY_COMPONENT, "net", -1 },
	{ "unknown component", FULL_CHAIN("svc"), { "incident", "nope", NULL, NULL },
	  KT_ROUTE_UNKNOWN, KT_ROUTE_BY_COMPONENT, NULL, -1 },
	{ "unknown component beside a known CI", FULL_CHAIN("svc"),
	  { "incident", "Web", NULL, "rtr-1" }, KT_ROUTE_UNKNOWN, KT_ROUTE_BY_COMPONENT, NULL, -1 },
	{ "a named CI must exist even when the component decides", FULL_CHAIN("svc"),
	  { "incident", "web", NULL, "nope" }, KT_ROUTE_UNKNOWN, KT_ROUTE_BY_CI, NULL, -1 },
	{ "CI", FULL_CHAIN("svc"), { "incident", NULL, NULL, "rtr-1" },
	  0, KT_ROUTE_BY_CI, "router", -1 },
	{ "CI beats a matching rule", FULL_CHAIN("svc"), { "request", NULL, "account", "disk-9" },
	  0, KT_ROUTE_BY_CI, "db", -1 },
	{ "unknown CI", FULL_CHAIN("svc"), { "incident", NULL, NULL, "srv-web-02" },
	  KT_ROUTE_UNKNOWN, KT_ROUTE_BY_CI, NULL, -1 },
	{ "CI differs only in case", FULL_CHAIN("svc"), { "incident", NULL, NULL, "SRV-WEB-01" },
	  KT_ROUTE_UNKNOWN, KT_ROUTE_BY_CI, NULL, -1 },
	{ "CI is a component key, not an item", FULL_CHAIN("svc"), { "incident", NULL, NULL, "web" },
	  KT_ROUTE_UNKNOWN, KT_ROUTE_BY_CI, NULL, -1 },
	{ "type + category beats category and type, whatever the order", FULL_CHAIN("svc"),
	  { "request", NULL, "account", NULL }, 0, KT_ROUTE_BY_RULE, "db", 2 },
	{ "category beats type", FULL_CHAIN("svc"), { "request", NULL, "network", NULL },
	  0, KT_ROUTE_BY_RULE, "router", 4 },
	{ "category alone", FULL_CHAIN("svc"), { "incident", NULL, "account", NULL },
	  0, KT_ROUTE_BY_RULE, "web", 1 },
	{ "type + category of another type", FULL_CHAIN("svc"), { "incident", NULL, "network", NULL },
	  0, KT_ROUTE_BY_RULE, "net", 3 },
	{ "type alone, no category given", FULL_CHAIN("svc"), { "request", NULL, NULL, NULL },
	  0, KT_ROUTE_BY_RULE, "app", 0 },
	{ "type alone, a category no rule names", FULL_CHAIN("svc"),
	  { "request", NULL, "printing", NULL }, 0, KT_ROUTE_BY_RULE, "app", 0 },
	{ "equally specific rules: the earlier", FULL_CHAIN("svc"), { "change", NULL, NULL, NULL },
	  0, KT_ROUTE_BY_RULE, "empty", 6 },
	{ "categories differ only in case: no match", FULL_CHAIN("svc"),
	  { "incident", NULL, "Account", NULL }, 0, KT_ROUTE_BY_DEFAULT, "svc", -1 },
	{ "no rule matches: the default", FULL_CHAIN("svc"), { "problem", NULL, NULL, NULL },
	  0, KT_ROUTE_BY_DEFAULT, "svc", -1 },
	{ "no rule matches, no default: triage", FULL_CHAIN(NULL),
	  { "problem", NULL, "printing", NULL }, 0, KT_ROUTE_BY_TRIAGE, NULL, -1 },
	{ "no items or rules: the default",
	  { decide_tree, SHAPE_N, NULL, 0, NULL, 0, "app" }, { "request", NULL, "account", NULL },
	  0, KT_ROUTE_BY_DEFAULT, "app", -1 },
	{ "no items: every CI is unknown",
	  { decide_tree, SHAPE_N, NULL, 0, NULL, 0, "app" }, { "request", NULL, NULL, "srv-web-01" },
	  KT_ROUTE_UNKNOWN, KT_ROUTE_BY_CI, NULL, -1 },
	{ "empty chain: triage", { NULL, 0, NULL, 0, NULL, 0, NULL },
	  { "incident", NULL, NULL, NULL }, 0, KT_ROUTE_BY_TRIAGE, NULL, -1 },
	{ "empty chain: a named component is unknown", { NULL, 0, NULL, 0, NULL, 0, NULL },
	  { "incident", "svc", NULL, NULL }, KT_ROUTE_UNKNOWN, KT_ROUTE_BY_COMPONENT, NULL, -1 },
};

static void test_decide_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(decide_cases); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct kt_route_target got = { .rule = 99 };
		int rc = kt_route_decide(&c->chain, &c->ask, &got);

		if (rc != c->want_rc || got.by != c->want_by ||
		    got.rule != c->want_rule ||
		    (c->want_component == NULL) != (got.component_key == NULL) ||
		    (c->want_component && strcmp(c->want_component, got.component_key) != 0))
			fail_msg("%s: rc %d by %s component %s rule %d; want rc %d by %s"
				 " component %s rule %d", c->name, rc, kt_route_by_name(got.by),
				 got.component_key ? got.component_key : "NULL", got.rule,
				 c->want_rc, kt_route_by_name(c->want_by),
				 c->want_component ? c->want_component : "NULL", c->want_rule);
	}
}

/* The decision points into the chain or the ask (borrowed). */
static void test_decide_borrows(void **state)
{
	const struct kt_route_chain chain = FULL_CHAIN("svc");
	struct kt_route_ask ask = { "request", NULL, "account", NULL };
	struct kt_route_target got;

	(void)state;
	assert_int_equal(kt_route_decide(&chain, &ask, &got), 0);
	assert_ptr_equal(got.component_key, decide_rules[2].component_key);
	ask.ci = "rtr-1";
	assert_int_equal(kt_route_decide(&chain, &ask, &got), 0);
	assert_ptr_equal(got.component_key, decide_items[1].component_key);
	ask.component = "web";
	assert_int_equal(kt_route_decide(&chain, &ask, &got), 0);
	assert_ptr_equal(got.component_key, ask.component);
}

static void test_route_by_names(void **state)
{
	static const char *const want[KT_ROUTE_BY__COUNT] = {
		"component", "ci", "rule", "default", "triage",
	};

	(void)state;
	for (int i = 0; i < KT_ROUTE_BY__COUNT; i++)
		assert_string_equal(kt_route_by_name(i), want[i]);
	assert_string_equal(kt_route_by_name(KT_ROUTE_BY__COUNT), "unknown");
}

/* ---- kt_route_after_reject ------------------------------------------ */

#define LIST(...) ((const char *const[]){ __VA_ARGS__ }), \
	(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))
#define NONE NULL, 0
#define HINT(...) ((const struct kt_route_leg[]){ __VA_ARGS__ }), \
	(sizeof((const struct kt_route_leg[]){ __VA_ARGS__ }) / sizeof(struct kt_route_leg))

struct reject_case {
	const char *name;
	struct kt_reroute_in in;
	enum kt_reroute_verdict want;
	const char *want_returned_to;
	struct want_leg legs[3];
	size_t n_legs;
};

/* The supplier "A" held the leg of component "vpn" and rejected it. */
static const struct reject_case reject_cases[] = {
	{ "hint: forwarded to the hinted supplier",
	  { HINT({ "B", "hosting" }), "vpn", NONE, NONE, LIST("A"), 0, 3 },
	  KT_REROUTE_FORWARD, NULL, { { "B", "hosting" } }, 1 },
	{ "hint fans out; a supplier on an open leg is skipped",
	  { HINT({ "B", "web" }, { "C", "db" }, { "D", "disk" }), "vpn", NONE, LIST("C"),
	    LIST("A"), 1, 3 },
	  KT_REROUTE_FORWARD, NULL, { { "B", "web" }, { "D", "disk" } }, 2 },
	{ "hint back to the rejecting supplier itself: escalated",
	  { HINT({ "A", "vpn" }), "vpn", NONE, NONE, LIST("A"), 0, 3 },
	  KT_REROUTE_ESCALATE_RETURN, "A", { { NULL, NULL } }, 0 },
	{ "A -> B -> A: B hints back at A, who rejected before: escalated",
	  { HINT({ "A", "vpn" }), "hosting", LIST("C"), NONE, LIST("A", "B"), 1, 3 },
	  KT_REROUTE_ESCALATE_RETURN, "A", { { NULL, NULL } }, 0 },
	{ "one of several hinted suppliers rejected before: escalated, none forwarded",
	  { HINT({ "C", "web" }, { "A", "vpn" }), "hosting", NONE, NONE, LIST("A", "B"), 1, 3 },
	  KT_REROUTE_ESCALATE_RETURN, "A", { { NULL, NULL } }, 0 },
	{ "a returning supplier on an open leg is no return",
	  { HINT({ "A", "vpn" }), "hosting", NONE, LIST("A"), LIST("A", "B"), 1, 3 },
	  KT_REROUTE_COVERED, NULL, { { NULL, NULL } }, 0 },
	{ "hinted supplier already on the ticket: covered",
	  { HINT({ "B", "hosting" }), "vpn", LIST("C"), LIST("B"), LIST("A"), 0, 3 },
	  KT_REROUTE_COVERED, NULL, { { NULL, NULL } }, 0 },
	{ "hint: forwarding at the hop limit escalates",
	  { HINT({ "B", "hosting" }), "vpn", NONE, NONE, LIST("A"), 3, 3 },
	  KT_REROUTE_ESCALATE_HOPS, NULL, { { NULL, NULL } }, 0 },
	{ "hint: one below the hop limit still forwards",
	  { HINT({ "B", "hosting" }), "vpn", NONE, NONE, LIST("A"), 2, 3 },
	  KT_REROUTE_FORWARD, NULL, { { "B", "hosting" } }, 1 },
	{ "a return is reported before the hop limit",
	  { HINT({ "A", "vpn" }), "hosting", NONE, NONE, LIST("A", "B"), 5, 3 },
	  KT_REROUTE_ESCALATE_RETURN, "A", { { NULL, NULL } }, 0 },
	{ "hop limit 0: nothing is ever forwarded",
	  { HINT({ "B", "hosting" }), "vpn", LIST("C"), NONE, LIST("A"), 0, 0 },
	  KT_REROUTE_ESCALATE_HOPS, NULL, { { NULL, NULL } }, 0 },
	{ "no hint: the first alternate, with the rejected component",
	  { NONE, "vpn", LIST("B", "C"), NONE, LIST("A"), 0, 3 },
	  KT_REROUTE_FORWARD, NULL, { { "B", "vpn" } }, 1 },
	{ "no hint: alternates that rejected before are skipped",
	  { NONE, "vpn", LIST("B", "C"), NONE, LIST("A", "B"), 1, 3 },
	  KT_REROUTE_FORWARD, NULL, { { "C", "vpn" } }, 1 },
	{ "no hint: alternates on an open leg are skipped",
	  { NONE, "vpn", LIST("B", "C"), LIST("B"), LIST("A"), 0, 3 },
	  KT_REROUTE_FORWARD, NULL, { { "C", "vpn" } }, 1 },
	{ "no hint: the rejecting supplier among its own alternates is skipped",
	  { NONE, "vpn", LIST("A", "C"), NONE, LIST("A"), 0, 3 },
	  KT_REROUTE_FORWARD, NULL, { { "C", "vpn" } }, 1 },
	{ "no hint: every alternate used up: triage",
	  { NONE, "vpn", LIST("B", "C"), LIST("C"), LIST("A", "B"), 2, 3 },
	  KT_REROUTE_TRIAGE, NULL, { { NULL, NULL } }, 0 },
	{ "no hint, no alternates: triage",
	  { NONE, "vpn", NONE, LIST("B"), LIST("A"), 0, 3 },
	  KT_REROUTE_TRIAGE, NULL, { { NULL, NULL } }, 0 },
	{ "no hint: the hop limit escalates",
	  { NONE, "vpn", LIST("B"), NONE, LIST("A"), 3, 3 },
	  KT_REROUTE_ESCALATE_HOPS, NULL, { { NULL, NULL } }, 0 },
	{ "no candidate at the hop limit is triage, not an escalation",
	  { NONE, "vpn", LIST("A"), NONE, LIST("A"), 3, 3 },
	  KT_REROUTE_TRIAGE, NULL, { { NULL, NULL } }, 0 },
};

static void test_after_reject_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(reject_cases); i++) {
		const struct reject_case *c = &reject_cases[i];
		struct kt_reroute_out out;

		memset(&out, 0xab, sizeof(out));
		kt_route_after_reject(&c->in, &out);
		if (out.verdict != c->want || out.n_legs != c->n_legs)
			fail_msg("%s: %s with %zu legs, want %s with %zu", c->name,
				 kt_reroute_verdict_name(out.verdict), out.n_legs,
				 kt_reroute_verdict_name(c->want), c->n_legs);
		if ((c->want_returned_to == NULL) != (out.returned_to == NULL) ||
		    (c->want_returned_to && strcmp(c->want_returned_to, out.returned_to) != 0))
			fail_msg("%s: returned to %s, want %s", c->name,
				 out.returned_to ? out.returned_to : "NULL",
				 c->want_returned_to ? c->want_returned_to : "NULL");
		for (size_t j = 0; j < out.n_legs; j++)
			if (strcmp(out.legs[j].supplier_id, c->legs[j].supplier_id) != 0 ||
			    strcmp(out.legs[j].component_key, c->legs[j].component_key) != 0)
				fail_msg("%s: leg %zu is (%s, %s), want (%s, %s)", c->name, j,
					 out.legs[j].supplier_id, out.legs[j].component_key,
					 c->legs[j].supplier_id, c->legs[j].component_key);
		for (size_t j = out.n_legs; j < KT_ROUTE_MAX_LEGS; j++)
			if (out.legs[j].supplier_id || out.legs[j].component_key)
				fail_msg("%s: slot %zu written beyond the %zu legs", c->name, j,
					 out.n_legs);
	}
}

/* More hinted legs than a ticket may gain at once: only the first
 * KT_ROUTE_MAX_LEGS are read. */
static void test_after_reject_bounded(void **state)
{
	enum { N = KT_ROUTE_MAX_LEGS + 4 };
	struct kt_route_leg hinted[N];
	char sups[N][8];
	struct kt_reroute_in in = { .hinted = hinted, .n_hinted = N, .component = "x",
				    .rejected = (const char *const[]){ "A" }, .n_rejected = 1,
				    .hop_limit = 3 };
	struct kt_reroute_out out;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(sups[i], sizeof(sups[i]), "s%02d", i);
		hinted[i] = (struct kt_route_leg){ sups[i], "x" };
	}
	kt_route_after_reject(&in, &out);
	assert_int_equal(out.verdict, KT_REROUTE_FORWARD);
	assert_int_equal(out.n_legs, KT_ROUTE_MAX_LEGS);
	assert_string_equal(out.legs[KT_ROUTE_MAX_LEGS - 1].supplier_id, sups[KT_ROUTE_MAX_LEGS - 1]);
}

static void test_reroute_verdict_names(void **state)
{
	static const char *const want[KT_REROUTE__COUNT] = {
		"forward", "covered", "triage", "returned", "hop_limit",
	};

	(void)state;
	for (int i = 0; i < KT_REROUTE__COUNT; i++)
		assert_string_equal(kt_reroute_verdict_name(i), want[i]);
	assert_string_equal(kt_reroute_verdict_name(KT_REROUTE__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_cases),
		cmocka_unit_test(test_route_borrows),
		cmocka_unit_test(test_route_too_many),
		cmocka_unit_test(test_route_max_with_duplicates),
		cmocka_unit_test(test_route_deepest_chain),
		cmocka_unit_test(test_decide_cases),
		cmocka_unit_test(test_decide_borrows),
		cmocka_unit_test(test_route_by_names),
		cmocka_unit_test(test_after_reject_cases),
		cmocka_unit_test(test_after_reject_bounded),
		cmocka_unit_test(test_reroute_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
