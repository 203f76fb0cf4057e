/* zones.c - every zone a chain document names, loaded once to see that it
 * exists (see sla/zones.h). */
#include <stdio.h>

#include "sla/tz_cache.h"
#include "sla/zones.h"

/* Checks the timezone of calendar hours (a service_hours value) at path
 * (its JSON pointer); a detail on err when it cannot be loaded. Returns 1
 * when it could not. */
static int check_hours(const json_t *hours, const char *path, struct kt_err *err)
{
	const char *zone = json_string_value(json_object_get(hours, "timezone"));
	struct kt_err load = { 0 };
	struct kt_tz tz;

	if (!zone)
		return 0;
	if (kt_tz_cache_load(zone, &tz, &load) == KT_OK) {
		kt_tz_release(&tz);
		return 0;
	}
	kt_err_detail(err, path, "%s", load.message);
	kt_err_release(&load);
	return 1;
}

int kt_sla_zones_check(const struct kt_chain_doc *doc, struct kt_err *err)
{
	char path[128];
	int bad = 0;
	size_t i, j;
	json_t *ct;

	for (i = 0; i < doc->n_services; i++) {
		snprintf(path, sizeof(path), "/services/%zu/sla/service_hours/timezone", i);
		bad += check_hours(json_object_get(doc->services[i].sla, "service_hours"), path, err);
	}
	for (i = 0; i < doc->n_suppliers; i++)
		json_array_foreach(json_object_get(doc->suppliers[i].obj, "contracts"), j, ct) {
			snprintf(path, sizeof(path),
				 "/suppliers/%zu/contracts/%zu/service_hours/timezone", i, j);
			bad += check_hours(json_object_get(ct, "service_hours"), path, err);
		}
	if (bad)
		return kt_err_set(err, KT_EC_INVALID, "invalid_chain",
				  "the chain names %d time zone(s) this machine does not have", bad);
	return KT_OK;
}
