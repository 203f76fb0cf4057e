/* query.c - fuzz target: an API request's query string (http/query.c)
 * and the list cursors read from it: the tickets' "<microseconds>_<uuid>"
 * (store/rule_ticket.c), the integrator's lists' keys and the
 * deliveries' supplier filter (model/chain_doc.c kt_chain_key_valid). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"
#include "model/chain_doc.h"
#include "store/rule_ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = malloc(size + 1), ts[32], id[64];
	struct kt_query kq;
	struct kt_err err = { 0 };

	if (!q)
		return 0;
	memcpy(q, data, size);
	q[size] = '\0';
	if (kt_query_parse(q, &kq) == 0) {
		if (kq.cursor) {
			kt_store_ticket_cursor_parse(kq.cursor, ts, sizeof(ts), id, &err);
			kt_err_release(&err);
			kt_chain_key_valid(kq.cursor, strlen(kq.cursor));
		}
		if (kq.supplier)
			kt_chain_key_valid(kq.supplier, strlen(kq.supplier));
		kt_query_release(&kq);
	}
	/* the raw input as a cursor too */
	kt_store_ticket_cursor_parse(q, ts, sizeof(ts), id, &err);
	kt_err_release(&err);
	free(q);
	return 0;
}
