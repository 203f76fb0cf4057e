/* chain_types.h - the types and limits of a checked chain document, apart
 * from the functions (model/chain_doc.h, chain_diff.h, chain_plan.h) so
 * that a header needing a type drags in no module's functions. */
#ifndef KETEN_CHAIN_TYPES_H
#define KETEN_CHAIN_TYPES_H

#include <stddef.h>

#include <jansson.h>

#define KT_CHAIN_KEY_MAX 63           /* bytes of a key */
#define KT_CHAIN_NAME_MAX 200         /* bytes of a name */
#define KT_CHAIN_ENDPOINT_MAX 2048    /* bytes of a supplier endpoint */
#define KT_CHAIN_MAX_DEPTH 16         /* nesting levels of a component tree */
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
	/* A supplier's: the ticket types its adapter's mapping has an entry
	 * for, as a PostgreSQL array literal ("{incident,change}"), or "" when
	 * the adapter takes every type. */
	char ticket_types[64];
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

#endif
