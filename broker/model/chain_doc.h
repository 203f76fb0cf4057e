/* chain_doc.h - the chain document ("config as code"): parsing and checking
 * the JSON that `keten chain import` reads, comparing a service's chain with
 * a stored version, and the import plan that the store fills and the command
 * prints. Pure: no database, no I/O beyond the FILE * a caller hands in.
 * schemas/chain.schema.json states the same structural rules. */
#ifndef KETEN_CHAIN_DOC_H
#define KETEN_CHAIN_DOC_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "keten/err.h"

#define KT_CHAIN_KEY_MAX 63           /* bytes of a key */
#define KT_CHAIN_NAME_MAX 200         /* bytes of a name */
#define KT_CHAIN_ENDPOINT_MAX 2048    /* bytes of a supplier endpoint */
#define KT_CHAIN_MAX_DEPTH 16         /* nesting levels of a component tree */
#define KT_CHAIN_MAX_PROBLEMS 100     /* details kept in one error */
#define KT_CHAIN_MINUTES_MAX 527040   /* a target: at most a (leap) year */
#define KT_CHAIN_TIMEZONE_MAX 64      /* bytes of an SLA's timezone */
#define KT_CHAIN_DOC_MAX_BYTES (16 * 1024 * 1024)

/* What a key or a plan line is about. The order is the order of the plan. */
enum kt_chain_entity {
	KT_CHAIN_CUSTOMER,
	KT_CHAIN_SUPPLIER,
	KT_CHAIN_SERVICE,
};

/* A customer or supplier entry. Both pointers borrow from the document.
 * The json_t pointers in these structs are not const only because
 * Jansson's iterators want them so: nobody changes a checked document. */
struct kt_chain_entry {
	json_t *obj;
	const char *key;
};

/* One node of a service's component tree, flattened in document order
 * (pre-order). All pointers borrow from the document; supplier, contract,
 * alternates, items and parent_key are NULL when absent (parent_key NULL =
 * a root component). */
struct kt_chain_component {
	json_t *obj;
	const char *key;
	const char *name;
	const char *kind;
	const char *supplier;
	const char *contract;          /* a key of the supplier's contracts */
	json_t *alternates;            /* array of supplier keys, in order */
	json_t *items;                 /* array of configuration item names */
	const char *parent_key;
	int depth;                     /* 1 for a root component */
};

struct kt_chain_service {
	json_t *obj;                   /* the service object as given */
	const char *key;
	const char *customer;
	const char *name;
	const char *default_component; /* NULL when absent */
	json_t *sla;                   /* the customer SLA object, or NULL */
	json_t *rules;                 /* the routing rules array, or NULL */
	struct kt_chain_component *components; /* owned array */
	size_t n_components;
};

/* A customer or supplier key that the document uses but does not define:
 * the store must find it in the database. With contract set, the reference
 * is to that contract of the supplier key (a component's "contract" whose
 * supplier is not in the document): the stored supplier must have it. */
struct kt_chain_ref {
	enum kt_chain_entity entity;   /* KT_CHAIN_CUSTOMER or KT_CHAIN_SUPPLIER */
	const char *key;               /* borrowed from the document */
	const char *contract;          /* borrowed; NULL for a plain reference */
	char *path;                    /* owned JSON pointer of the reference */
};

/* A valid chain document. Every array is owned; every string borrows from
 * root, which the document holds one reference to. */
struct kt_chain_doc {
	json_t *root;
	struct kt_chain_entry *customers;
	size_t n_customers;
	struct kt_chain_entry *suppliers;
	size_t n_suppliers;
	struct kt_chain_service *services;
	size_t n_services;
	struct kt_chain_ref *refs;
	size_t n_refs;
};

/* Parses and checks len bytes of JSON. On success *out is a new document
 * for the caller to kt_chain_doc_free(). On failure *out is NULL and err
 * says why: malformed "invalid_json" (line and column in the message), or 422
 * "invalid_chain" with one {path, message} detail per problem (at most
 * KT_CHAIN_MAX_PROBLEMS, then one detail counting the rest), or 500
 * "out_of_memory". */
int kt_chain_doc_parse(const char *buf, size_t len, struct kt_chain_doc **out,
		       struct kt_err *err);

/* The same for a value already parsed: borrows root and takes a reference
 * of its own when it succeeds. */
int kt_chain_doc_check(json_t *root, struct kt_chain_doc **out,
		       struct kt_err *err);

/* Accepts NULL. */
void kt_chain_doc_free(struct kt_chain_doc *doc);

/* The name of member i (0 = "key") of a customer, supplier or service
 * object, in the order of the rules; NULL past the last. Borrowed, static. */
const char *kt_chain_doc_member(enum kt_chain_entity entity, size_t i);

/* Compares the chain part of two service objects: every member except
 * "key" and "customer", with the component trees compared node by node.
 * old_service may be NULL (no stored version: everything differs).
 * Returns 0 when they are equal (*what = NULL), 1 when they differ with
 * *what a new string for the caller to free(), such as
 * "name, + component dns, - component vpn, ~ component hosting", or KT_ERR
 * when out of memory. Reads both objects, changes neither. */
int kt_chain_service_diff(json_t *old_service, json_t *new_service,
			  char **what);

/* v as JSON text with Jansson's flags, its numbers written as people wrote
 * them (99.9, not 99.900000000000006) whenever 15 significant digits read
 * back the same value, else with 17. Returns a new string for free(), or
 * NULL when out of memory. */
char *kt_chain_dumps(const json_t *v, size_t flags);

/* ---- the import plan ---------------------------------------------- */

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
