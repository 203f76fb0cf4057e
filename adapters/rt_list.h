/* adapters/rt_list.h - the `rt` adapter's listing for `keten reconcile`:
 * the tickets Keten's RT user (integration_user) created, each with the
 * value of the reference custom field (the leg id), page by page. */
#ifndef KETEN_ADAPTER_RT_LIST_H
#define KETEN_ADAPTER_RT_LIST_H

#include "keten/adapter.h"

/* See struct kt_adapter: build_list and read_list. The page token is the
 * id of the last ticket listed (NULL: from the first); RT_PAGE_MAX
 * tickets a page, in id order. */
int rt_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		  struct kt_err *err);
int rt_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		 struct kt_inbound_list *out, struct kt_err *err);

#endif
