/* chain_doc.h - the chain document ("config as code"): parsing and checking
 * the JSON that `keten chain import` reads. The public face of the chain
 * modules: it also brings the comparison (model/chain_diff.h) and the
 * import plan (model/chain_plan.h). Pure: no database, no I/O.
 * schemas/chain.schema.json states the same structural rules. */
#ifndef KETEN_CHAIN_DOC_H
#define KETEN_CHAIN_DOC_H

#include <stddef.h>

#include <jansson.h>

#include "keten/err.h"
#include "model/chain_diff.h"
#include "model/chain_plan.h"
#include "model/chain_types.h"

/* Parses and checks len bytes of JSON. On success *out is a new document
 * for the caller to kt_chain_doc_free(). On failure *out is NULL and err
 * says why: malformed "invalid_json" (line and column in the message), or 422
 * "invalid_chain" with one {path, message} detail per problem (at most
 * KT_ERR_DETAILS_MAX, then one detail counting the rest), or 500
 * "out_of_memory". */
int kt_chain_doc_parse(const char *buf, size_t len, struct kt_chain_doc **out,
		       struct kt_err *err);

/* The same for a value already parsed: borrows root and takes a reference
 * of its own when it succeeds. */
int kt_chain_doc_check(json_t *root, struct kt_chain_doc **out,
		       struct kt_err *err);

/* Accepts NULL. */
void kt_chain_doc_free(struct kt_chain_doc *doc);

/* Whether the len bytes at s are a key of the chain document: 1 to
 * KT_CHAIN_KEY_MAX of a-z, 0-9 and '-', not starting with '-'. */
int kt_chain_key_valid(const char *s, size_t len);

/* The name of member i (0 = "key") of a customer, supplier or service
 * object, in the order of the rules; NULL past the last. Borrowed, static. */
const char *kt_chain_doc_member(enum kt_chain_entity entity, size_t i);

#endif
