/* chain_walk.h - where a check of the chain document is (a JSON pointer
 * built segment by segment) and the walk over a component tree in document
 * order, shared by the rules (model/chain_doc.c) and the diff
 * (model/chain_diff.c). Pure. */
#ifndef KETEN_CHAIN_WALK_H
#define KETEN_CHAIN_WALK_H

#include <stddef.h>

#include <jansson.h>

#define KT_JPTR_BYTES 1024

/* A JSON pointer under construction; a zeroed struct is the empty pointer
 * "". A segment that does not fit is cut at a character boundary and ends
 * in "..."; later segments are then dropped. */
struct kt_jptr {
	char buf[KT_JPTR_BYTES];
	size_t len;
};

/* Appends "/" and seg (escaped: ~ as ~0, / as ~1). Returns the length to
 * hand back to kt_jptr_pop. */
size_t kt_jptr_push(struct kt_jptr *p, const char *seg);

/* Appends "/" and the array index i; as kt_jptr_push. */
size_t kt_jptr_index(struct kt_jptr *p, size_t i);

/* Appends ptr, a JSON pointer already escaped (as an err detail's path),
 * as it is; cut at a character boundary when it does not fit. As
 * kt_jptr_push. */
size_t kt_jptr_append(struct kt_jptr *p, const char *ptr);

/* Cuts p back to mark, a length kt_jptr_push or kt_jptr_index returned. */
void kt_jptr_pop(struct kt_jptr *p, size_t mark);

enum kt_walk_next { KT_WALK_DESCEND, KT_WALK_SKIP, KT_WALK_STOP };

/* Sees one node (any JSON value) of a component tree; parent is NULL for a
 * root component; path points at the node. */
typedef enum kt_walk_next (*kt_walk_fn)(void *arg, json_t *node,
					json_t *parent, int depth,
					struct kt_jptr *path);

/* Visits every element of tree (an array; anything else has no elements)
 * in document order, and the elements of its "children" arrays when the
 * visitor says so. Both the checks and the comparison walk trees this way;
 * their visitors stop descending past KT_CHAIN_MAX_DEPTH, which bounds the
 * recursion. KT_ERR when a visitor said stop, else KT_OK. */
int kt_chain_walk(json_t *tree, json_t *parent, int depth, struct kt_jptr *path,
		  kt_walk_fn visit, void *arg);

#endif
