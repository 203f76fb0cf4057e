/* adapters/topdesk_list.h - the `topdesk` adapter's listing for `keten
 * reconcile`: the incidents of every line whose externalNumber is set,
 * page by page, each one whose externalNumber is a leg id (a uuid). */
#ifndef KETEN_ADAPTER_TOPDESK_LIST_H
#define KETEN_ADAPTER_TOPDESK_LIST_H

#include "keten/adapter.h"

/* Incidents a listing page asks for. */
#define KT_TOPDESK_LIST_PAGE 100

/* See struct kt_adapter: build_list and read_list. The page token is the
 * decimal pageStart of the next page ("0" or NULL: the first). */
int kt_topdesk_build_list(const json_t *supplier, const char *page,
			  struct kt_http_request *out, struct kt_err *err);
int kt_topdesk_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
			 struct kt_inbound_list *out, struct kt_err *err);

#endif
