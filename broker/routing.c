/* routing.c - the routing decision over a component tree (see routing.h). */
#include "routing.h"

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
