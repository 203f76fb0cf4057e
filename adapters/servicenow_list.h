/* adapters/servicenow_list.h - the `servicenow` adapter's listing for
 * `keten reconcile`: the records of the tables the mapping's entries
 * write that carry Keten's correlation (correlation_display, and a
 * correlation_id: the leg id), page by page. */
#ifndef KETEN_ADAPTER_SERVICENOW_LIST_H
#define KETEN_ADAPTER_SERVICENOW_LIST_H

#include "keten/adapter.h"

/* Records a page at most. */
#define KT_SN_LIST_PAGE 100

/* See struct kt_adapter: build_list and read_list. The page token is
 * "<table index>:<offset>" over the entries' tables in name order. */
int kt_sn_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		     struct kt_err *err);
int kt_sn_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		    struct kt_inbound_list *out, struct kt_err *err);

#endif
