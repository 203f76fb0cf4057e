/* adapters/servicenow.h - the `servicenow` adapter: canonical messages to
 * ServiceNow Table API calls and back, as adapters/servicenow.md says.
 * Reach it through kt_adapter_find("servicenow"); this header exists for
 * the registry and for the adapter's own files. */
#ifndef KETEN_ADAPTER_SERVICENOW_H
#define KETEN_ADAPTER_SERVICENOW_H

#include "base/buf.h"
#include "keten/adapter.h"

/* The header a ServiceNow business rule's push carries the shared token in. */
#define KT_SN_PUSH_HEADER "X-Keten-Token"

extern const struct kt_adapter kt_adapter_servicenow;

/* Starts url (a fresh buffer, KT_SN_URL_MAX) with the supplier's endpoint,
 * less a trailing '/'. KT_ERR (invalid "adapter_build") when it is not an
 * absolute https URL; url needs no release then. */
int kt_sn_url_start(struct kt_buf *url, const json_t *supplier, struct kt_err *err);

/* Fills out with method, url (released here) and body (stolen, may be
 * NULL; sent as compact JSON with sorted keys), with Accept and, with a
 * body, Content-Type application/json, which ServiceNow needs. */
int kt_sn_request(struct kt_http_request *out, const char *method, struct kt_buf *url,
		  json_t *body, struct kt_err *err);

/* GET <endpoint>/api/now/v2/table/<table>?sysparm_query=<q>&sysparm_fields=
 * <fields>&sysparm_limit=<limit><extra> into out: a list read, where an
 * empty list is 200 with []. q (an encoded query) is released here. */
int kt_sn_list(const json_t *supplier, const char *table, struct kt_buf *q, const char *fields,
	       long limit, const char *extra, struct kt_http_request *out, struct kt_err *err);

/* The string value of rec's field key, plain or a reference's
 * {"value": ...}. Borrowed, or NULL. */
const char *kt_sn_value(const json_t *rec, const char *key);

#endif
