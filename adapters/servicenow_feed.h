/* adapters/servicenow_feed.h - what ServiceNow tells Keten: the poll feeds
 * "records" (state changes, on the mapping's poll table) and "journal"
 * (comments and work notes, from sys_journal_field), and the pushes of the
 * business rules in adapters/servicenow.md, which carry the same records.
 * Entries by the integration user are skipped: they are Keten's own. */
#ifndef KETEN_ADAPTER_SERVICENOW_FEED_H
#define KETEN_ADAPTER_SERVICENOW_FEED_H

#include "keten/adapter.h"

/* See struct kt_adapter: build_poll, read_poll and read_inbound. */
int kt_sn_build_poll(const json_t *supplier, const char *feed, const char *since,
		     const char *page, struct kt_http_request *out, struct kt_err *err);
int kt_sn_read_poll(const json_t *supplier, const char *feed, const char *page,
		    const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err);
int kt_sn_read_inbound(const json_t *supplier, const struct kt_answer *push,
		       struct kt_inbound_list *out, struct kt_err *err);

#endif
