/* routing.h - where a ticket goes, decided from the chain: the component a
 * new ticket belongs to (by component, configuration item, rules, default),
 * which suppliers deliver that component, and where a leg goes after its
 * supplier rejected it. Pure; the store loads the chain and calls these. */
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

/* A configuration item (CI) of the chain and the component it belongs to. */
struct kt_route_item {
	const char *name;
	const char *component_key;
};

/* A routing rule of the chain, in document order: a ticket of this type
 * and/or category (NULL: any; never both NULL) goes to the component. */
struct kt_route_rule {
	const char *type;
	const char *category;
	const char *component_key;
};

/* What routing reads of one chain version (all borrowed). */
struct kt_route_chain {
	const struct kt_component *tree;
	size_t n;
	const struct kt_route_item *items;
	size_t n_items;
	const struct kt_route_rule *rules;
	size_t n_rules;
	const char *default_component;  /* NULL: none */
};

/* What a new ticket says about where it belongs (borrowed; NULL: not
 * given, except type). */
struct kt_route_ask {
	const char *type;        /* "incident", "request", ... */
	const char *component;
	const char *category;
	const char *ci;
};

/* Which part of the ticket or chain decided. */
enum kt_route_by {
	KT_ROUTE_BY_COMPONENT,  /* the ticket named the component */
	KT_ROUTE_BY_CI,         /* the component whose items hold the ticket's CI */
	KT_ROUTE_BY_RULE,       /* a rule of the chain matched */
	KT_ROUTE_BY_DEFAULT,    /* the chain's default component */
	KT_ROUTE_BY_TRIAGE,     /* nothing did: the integrator's triage queue */
	KT_ROUTE_BY__COUNT
};

struct kt_route_target {
	enum kt_route_by by;
	const char *component_key;  /* borrowed from the ask or the chain; NULL for triage */
	int rule;                   /* index of the matching rule; -1 when none */
};

/* The component a ticket goes to: the component it names; else the one
 * whose items contain its CI; else the most specific matching rule (type
 * and category, then category, then type; ties go to the earlier rule);
 * else the chain's default component; else triage. A component or CI the
 * ticket names must exist (even when the component decides): KT_OK, or
 * KT_ROUTE_UNKNOWN with out->by saying which (KT_ROUTE_BY_COMPONENT or
 * KT_ROUTE_BY_CI). Whether suppliers deliver the component is
 * kt_route_legs' business. */
int kt_route_decide(const struct kt_route_chain *chain, const struct kt_route_ask *ask,
		    struct kt_route_target *out);

/* "component", "ci", "rule", "default", "triage". */
const char *kt_route_by_name(enum kt_route_by by);

/* Where a leg goes after its supplier rejected it (all borrowed). */
struct kt_reroute_in {
	/* The legs of the component the supplier hinted at (kt_route_legs);
	 * n_hinted = 0: no hint, or one naming no component with suppliers. */
	const struct kt_route_leg *hinted;
	size_t n_hinted;
	/* The rejected leg's component and its alternates (supplier ids, in
	 * order). */
	const char *component;
	const char *const *alternates;
	size_t n_alternates;
	const char *const *open;       /* suppliers on the ticket's open legs */
	size_t n_open;
	const char *const *rejected;   /* suppliers that rejected the ticket,
					  this rejection included */
	size_t n_rejected;
	int hops, hop_limit;           /* re-routings so far, and the most allowed */
};

enum kt_reroute_verdict {
	KT_REROUTE_FORWARD,        /* open legs to out->legs (hop hops + 1) */
	KT_REROUTE_COVERED,        /* the hinted suppliers are on the ticket already */
	KT_REROUTE_TRIAGE,         /* no candidate left: the integrator's queue */
	KT_REROUTE_ESCALATE_RETURN,/* it would go back to a supplier that rejected it */
	KT_REROUTE_ESCALATE_HOPS,  /* forwarding would pass the hop limit */
	KT_REROUTE__COUNT
};

struct kt_reroute_out {
	enum kt_reroute_verdict verdict;
	struct kt_route_leg legs[KT_ROUTE_MAX_LEGS];  /* FORWARD: where to */
	size_t n_legs;
	const char *returned_to;   /* ESCALATE_RETURN: the supplier that rejected before */
};

/* With a hint: the hinted suppliers not on an open leg; if one of them
 * rejected the ticket before, it is not forwarded but escalated
 * (ping-pong); none left is COVERED. Without a hint: the first alternate
 * neither on an open leg nor among those that rejected the ticket, with
 * the rejected leg's component; none left is TRIAGE. A forward that would
 * make hops exceed hop_limit escalates instead. */
void kt_route_after_reject(const struct kt_reroute_in *in, struct kt_reroute_out *out);

/* "forward", "covered", "triage", "returned", "hop_limit". */
const char *kt_reroute_verdict_name(enum kt_reroute_verdict v);

#endif
