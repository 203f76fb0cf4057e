/* chain_plan.h - the import plan: what `keten chain import` does (or would
 * do) to each customer, supplier and service of a document; the store fills
 * it, the command prints it. Pure. */
#ifndef KETEN_CHAIN_PLAN_H
#define KETEN_CHAIN_PLAN_H

#include <stdio.h>

#include "model/chain_types.h"

enum kt_chain_op {
	KT_CHAIN_SAME = '=',
	KT_CHAIN_ADD = '+',
	KT_CHAIN_UPDATE = '~',
};

/* What an import does (or would do) to one entity of the document. */
struct kt_chain_change {
	enum kt_chain_entity entity;
	enum kt_chain_op op;
	char key[KT_CHAIN_KEY_MAX + 1];
	char id[37];                   /* the row's uuid; "" when it does not
					  outlive the import (a dry run's new rows) */
	int version;                   /* services: chain version in force after */
	size_t n_components;           /* services: components of that version */
	char *what;                    /* owned; NULL, or what changed, such as
					  "endpoint, name" or a service diff */
};

struct kt_chain_plan {
	struct kt_chain_change *changes; /* owned array */
	size_t n;
	size_t cap;
	int dry_run;
};

/* Appends a change with what = NULL; returns it (owned by the plan), or NULL
 * when out of memory. */
struct kt_chain_change *kt_chain_plan_add(struct kt_chain_plan *plan,
					  enum kt_chain_entity entity,
					  enum kt_chain_op op, const char *key);

/* Orders the changes by entity (customers, suppliers, services), then key. */
void kt_chain_plan_sort(struct kt_chain_plan *plan);

/* Number of changes that add or update something. */
size_t kt_chain_plan_count(const struct kt_chain_plan *plan);

/* Prints the plan as `keten chain import` shows it: one line per change
 * ("+ customer acme", "~ supplier netco (endpoint)", "+ service x: chain
 * version 1 (3 components)", "~ service x: chain version 2 (...)",
 * "= service x: unchanged"), then "service <key> id <uuid>" for each
 * service whose id outlives the import, then "chain import: N change(s)"
 * with " (dry run, nothing applied)" for a dry run. */
void kt_chain_plan_print(const struct kt_chain_plan *plan, FILE *out);

/* Frees the changes and clears the struct, which stays the caller's. */
void kt_chain_plan_release(struct kt_chain_plan *plan);

#endif
