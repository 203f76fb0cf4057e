/* routing.c - the routing decisions (see routing.h): a new ticket's
 * component, the legs of a component, and a rejected leg's next stop. */
#include "routing/routing.h"

/* Adds c's supplier once; KT_ROUTE_TOO_MANY once the table is full (and
 * from then on: a negative n stays negative). */
static int add_leg(struct kt_route_leg *out, int n, const struct kt_component *c)
{
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (strcmp(out[i].supplier_id, c->supplier_id) == 0)
			return n;
	if (n == KT_ROUTE_MAX_LEGS)
		return KT_ROUTE_TOO_MANY;
	out[n].supplier_id = c->supplier_id;
	out[n].component_key = c->key;
	return n + 1;
}

static int is_child(const struct kt_component *c, const char *parent)
{
	return c->parent_key && strcmp(c->parent_key, parent) == 0;
}

/* Depth-first from node; a node with a supplier ends its branch. The depth
 * bound keeps a malformed (cyclic) tree from recursing forever. */
static int walk(const struct kt_component *tree, size_t n, const struct kt_component *node,
		struct kt_route_leg *out, int legs, int depth)
{
	if (node->supplier_id)
		return add_leg(out, legs, node);
	if (depth > 32 || legs < 0)
		return legs;
	for (size_t i = 0; i < n; i++)
		if (is_child(&tree[i], node->key))
			legs = walk(tree, n, &tree[i], out, legs, depth + 1);
	return legs;
}

int kt_route_legs(const struct kt_component *tree, size_t n, const char *target,
		  struct kt_route_leg *out)
{
	if (!target)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(tree[i].key, target) == 0)
			return walk(tree, n, &tree[i], out, 0, 0);
	return KT_ROUTE_UNKNOWN;
}

static int has_component(const struct kt_route_chain *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->tree[i].key, key) == 0)
			return 1;
	return 0;
}

static const char *ci_component(const struct kt_route_chain *c, const char *ci)
{
	for (size_t i = 0; i < c->n_items; i++)
		if (strcmp(c->items[i].name, ci) == 0)
			return c->items[i].component_key;
	return NULL;
}

/* How specifically rule r matches: 3 type and category, 2 category, 1
 * type, 0 not at all. */
static int rule_match(const struct kt_route_rule *r, const struct kt_route_ask *a)
{
	if (!r->type && !r->category)
		return 0;
	if (r->type && (!a->type || strcmp(r->type, a->type) != 0))
		return 0;
	if (r->category && (!a->category || strcmp(r->category, a->category) != 0))
		return 0;
	return r->category ? (r->type ? 3 : 2) : 1;
}

int kt_route_decide(const struct kt_route_chain *chain, const struct kt_route_ask *ask,
		    struct kt_route_target *out)
{
	const char *by_ci = NULL;
	int best = 0;

	out->rule = -1;
	out->component_key = NULL;
	if (ask->component && !has_component(chain, ask->component)) {
		out->by = KT_ROUTE_BY_COMPONENT;
		return KT_ROUTE_UNKNOWN;
	}
	if (ask->ci && !(by_ci = ci_component(chain, ask->ci))) {
		out->by = KT_ROUTE_BY_CI;
		return KT_ROUTE_UNKNOWN;
	}
	if (ask->component) {
		out->by = KT_ROUTE_BY_COMPONENT;
		out->component_key = ask->component;
		return 0;
	}
	if (by_ci) {
		out->by = KT_ROUTE_BY_CI;
		out->component_key = by_ci;
		return 0;
	}
	for (size_t i = 0; i < chain->n_rules; i++) {
		int m = rule_match(&chain->rules[i], ask);

		if (m > best) {
			best = m;
			out->rule = (int)i;
		}
	}
	if (out->rule >= 0) {
		out->by = KT_ROUTE_BY_RULE;
		out->component_key = chain->rules[out->rule].component_key;
		return 0;
	}
	out->by = chain->default_component ? KT_ROUTE_BY_DEFAULT : KT_ROUTE_BY_TRIAGE;
	out->component_key = chain->default_component;
	return 0;
}

const char *kt_route_by_name(enum kt_route_by by)
{
	static const char *const names[KT_ROUTE_BY__COUNT] = {
		"component", "ci", "rule", "default", "triage",
	};

	return (unsigned)by < KT_ROUTE_BY__COUNT ? names[by] : "unknown";
}

static int in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* A verdict that opens no leg. */
static void no_legs(struct kt_reroute_out *out, enum kt_reroute_verdict v,
		    const char *returned_to)
{
	memset(out, 0, sizeof(*out));
	out->verdict = v;
	out->returned_to = returned_to;
}

void kt_route_after_reject(const struct kt_reroute_in *in, struct kt_reroute_out *out)
{
	memset(out, 0, sizeof(*out));
	if (in->n_hinted > 0) {
		for (size_t i = 0; i < in->n_hinted && i < KT_ROUTE_MAX_LEGS; i++) {
			const char *s = in->hinted[i].supplier_id;

			if (in_list(in->open, in->n_open, s))
				continue;
			if (in_list(in->rejected, in->n_rejected, s)) {
				no_legs(out, KT_REROUTE_ESCALATE_RETURN, s);
				return;
			}
			out->legs[out->n_legs++] = in->hinted[i];
		}
		if (out->n_legs == 0) {
			no_legs(out, KT_REROUTE_COVERED, NULL);
			return;
		}
	} else {
		for (size_t i = 0; i < in->n_alternates && out->n_legs == 0; i++) {
			const char *s = in->alternates[i];

			if (in_list(in->open, in->n_open, s) ||
			    in_list(in->rejected, in->n_rejected, s))
				continue;
			out->legs[0].supplier_id = s;
			out->legs[0].component_key = in->component;
			out->n_legs = 1;
		}
		if (out->n_legs == 0) {
			no_legs(out, KT_REROUTE_TRIAGE, NULL);
			return;
		}
	}
	if (in->hops >= in->hop_limit) {
		no_legs(out, KT_REROUTE_ESCALATE_HOPS, NULL);
		return;
	}
	out->verdict = KT_REROUTE_FORWARD;
}

const char *kt_reroute_verdict_name(enum kt_reroute_verdict v)
{
	static const char *const names[KT_REROUTE__COUNT] = {
		"forward", "covered", "triage", "returned", "hop_limit",
	};

	return (unsigned)v < KT_REROUTE__COUNT ? names[v] : "unknown";
}
