/* tx_report.h - what a service or supplier report reads, aggregated in
 * PostgreSQL over a period [from, to): one statement each, so a report
 * is one consistent snapshot (one transaction: JIT off, the statement). A
 * transaction file. The figures are computed from these
 * rows by sla/report.h and admin/api_reports.c. */
#ifndef KETEN_STORE_TX_REPORT_H
#define KETEN_STORE_TX_REPORT_H

#include "store/store.h"

/* The facts of service id (a uuid) for the period from..to (RFC 3339
 * UTC texts): {"sla": the SLA of its current chain version or null,
 * "outages": [[from, to], ...] in Unix seconds (its tickets that count as
 * an outage by the SLA's "outage" member, not cancelled, overlapping the
 * period: creation to resolution, or to now while open), "compliance":
 * rows per type and priority of the tickets created in the period (as
 * sla/report.h kt_report_compliance reads them), "attribution":
 * {"tickets", "integrator", "customer"} summed over their breaches'
 * sla_held, "suppliers": [{"key", "name", "name_to_customer", "held_s"}]}.
 * New reference, or NULL with err (not_found when the service is gone). */
json_t *kt_store_report_service(struct kt_db *db, const char *id, const char *from,
				const char *to, struct kt_err *err);

/* The scorecard of supplier id for the legs routed to it in the period
 * (created in it) and its API calls in it: a new object of counts, shares
 * (percent, two decimals, null when nothing to share) and latencies
 * (README "SLA and reports"), or NULL with err. */
json_t *kt_store_report_supplier(struct kt_db *db, const char *id, const char *from,
				 const char *to, struct kt_err *err);

/* Deletes at most batch records of supplier calls older than retention_s
 * seconds; *deleted gets how many went. */
int kt_store_supplier_calls_purge(struct kt_db *db, int retention_s, int batch, int *deleted,
				  struct kt_err *err);

#endif
