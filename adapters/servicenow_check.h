/* adapters/servicenow_check.h - the `servicenow` adapter's live checks for
 * `keten supplier check`: that every close code, state code and hold
 * reason its mapping names is a choice the instance has (sys_choice), and
 * that a request entry's catalog item exists. */
#ifndef KETEN_ADAPTER_SERVICENOW_CHECK_H
#define KETEN_ADAPTER_SERVICENOW_CHECK_H

#include "keten/adapter.h"

/* See struct kt_adapter: build_check and read_check. */
int kt_sn_build_check(const json_t *supplier, int i, struct kt_http_request *out,
		      struct kt_err *err);
int kt_sn_read_check(const json_t *supplier, int i, const struct kt_answer *a,
		     struct kt_err *err);

#endif
