/* routing.h - which suppliers a new ticket goes to, decided from the
 * chain's component tree. Pure; the store loads the tree and calls this. */
#ifndef KETEN_ROUTING_H
#define KETEN_ROUTING_H

#include <stddef.h>

#define KT_ROUTE_MAX_LEGS 16

/* kt_route_legs' answers besides a count. */
#define KT_ROUTE_UNKNOWN (-1)   /* target is not in the tree */
#define KT_ROUTE_TOO_MANY (-2)  /* more than KT_ROUTE_MAX_LEGS suppliers */

/* One node of a chain version's component tree (all borrowed). */
struct kt_component {
	const char *key;
	const char *parent_key;   /* NULL at the root */
	const char *supplier_id;  /* NULL when no supplier delivers it directly */
};

/* One leg to open: the supplier and the component it is responsible for. */
struct kt_route_leg {
	const char *supplier_id;
	const char *component_key;
};

/* Legs for a ticket on component `target` (NULL: the chain has no default
 * and the ticket named none; no legs, the ticket waits in triage).
 * A component with a supplier is that supplier's whole subtree; otherwise
 * every supplier found below it gets one leg (fan-out), each once, in tree
 * order. Returns the number of legs (0..KT_ROUTE_MAX_LEGS),
 * KT_ROUTE_UNKNOWN or KT_ROUTE_TOO_MANY: a ticket is never routed to only
 * some of the suppliers it needs. */
int kt_route_legs(const struct kt_component *tree, size_t n, const char *target,
		  struct kt_route_leg *out);

#endif
