/* chain_diff.h - comparing a service's chain with a stored version, and
 * writing chain JSON so that stored text compares equal. Pure. */
#ifndef KETEN_CHAIN_DIFF_H
#define KETEN_CHAIN_DIFF_H

#include <stddef.h>

#include <jansson.h>

/* Compares the chain part of two service objects: every member except
 * "key" and "customer", with the component trees compared node by node.
 * old_service may be NULL (no stored version: everything differs).
 * Returns 0 when they are equal (*what = NULL), 1 when they differ with
 * *what a new string for the caller to free(), such as
 * "name, + component dns, - component vpn, ~ component hosting", or KT_ERR
 * when out of memory (or the summary would pass its bound). Reads both objects, changes neither. */
int kt_chain_service_diff(json_t *old_service, json_t *new_service,
			  char **what);

/* v as JSON text with Jansson's flags, its numbers written as people wrote
 * them (99.9, not 99.900000000000006) whenever 15 significant digits read
 * back the same value, else with 17. Returns a new string for free(), or
 * NULL when out of memory. */
char *kt_chain_dumps(const json_t *v, size_t flags);

#endif
