/* rt_check.c - the live checks of an rt mapping (`keten supplier check`):
 * check 0 reads Keten's own RT user (the credentials work, the user
 * exists, its time zone is UTC as TicketSQL times need), then one check
 * per mapped queue reads the queue (it exists, the reference field is
 * applied to it, and when it runs RT's default lifecycle every status
 * status_out writes is one of its statuses). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_int.h"

static const char *const default_lifecycle[] = {
	"new", "open", "stalled", "resolved", "rejected", "deleted",
};

/* The ticket type of check i (> 0): the i-th mapped queue; -1 none. */
static int check_type(const json_t *m, int i)
{
	for (int t = 0, n = 0; t < KT_TYPE__COUNT; t++)
		if (rt_map_queue(m, (enum kt_ticket_type)t) && ++n == i)
			return t;
	return -1;
}

int rt_build_check(const json_t *supplier, int i, struct kt_http_request *out,
		   struct kt_err *err)
{
	const json_t *m = json_object_get(supplier, "mapping");
	int t = i > 0 ? check_type(m, i) : -1;
	const char *name = i == 0 ? rt_map_integration_user(m)
			   : t >= 0 ? rt_map_queue(m, (enum kt_ticket_type)t) : NULL;
	char *base, *url = NULL;
	size_t len = 0;
	int rc;

	if (!name)
		return KT_OK; /* no check i */
	if (!(base = rt_rest_base(supplier, err)))
		return KT_ERR;
	if (rt_url_append(&url, &len, base) || rt_url_append(&url, &len, i == 0 ? "/user/" : "/queue/") ||
	    rt_url_append_encoded(&url, &len, name))
		rc = rt_err_oom(err);
	else
		rc = kt_http_request_set(out, "GET", url, NULL, NULL, err);
	free(base);
	free(url);
	return rc;
}

static int has_name(const json_t *list, const char *key, const char *name)
{
	size_t i;
	const json_t *v;

	json_array_foreach(list, i, v) {
		const char *s = json_string_value(key ? json_object_get(v, key) : v);

		if (s && name && strcmp(s, name) == 0)
			return 1;
	}
	return 0;
}

static int in_default_lifecycle(const char *status)
{
	for (size_t i = 0; i < sizeof(default_lifecycle) / sizeof(default_lifecycle[0]); i++)
		if (strcmp(default_lifecycle[i], status) == 0)
			return 1;
	return 0;
}

/* The problems of a queue's answer as err details; their number. */
static int queue_problems(const json_t *m, const json_t *queue, const char *name,
			  struct kt_err *err)
{
	const char *field = rt_map_field(m);
	const char *lifecycle = json_string_value(json_object_get(queue, "Lifecycle"));
	int n = 0;

	if (!has_name(json_object_get(queue, "TicketCustomFields"), "name", field)) {
		kt_err_detail(err, "/reference_field", "custom field \"%s\" is not applied to queue \"%s\"",
			      field ? field : "", name);
		n++;
	}
	if (!lifecycle || strcmp(lifecycle, "default") != 0)
		return n; /* a custom lifecycle: REST2 (5.0.3) cannot show its statuses */
	for (int s = 0; s < KT_ST__COUNT; s++) {
		const char *rt = rt_map_status_out(m, (enum kt_status)s);

		if (!in_default_lifecycle(rt)) {
			kt_err_detail(err, "/status_out", "\"%s\" (for %s) is not a status of queue "
				      "\"%s\" (lifecycle default)", rt, kt_status_name((enum kt_status)s),
				      name);
			n++;
		}
	}
	return n;
}

int rt_read_check(const json_t *supplier, int i, const struct kt_answer *a, struct kt_err *err)
{
	const json_t *m = json_object_get(supplier, "mapping");
	int t = i > 0 ? check_type(m, i) : -1;
	const char *name = i == 0 ? rt_map_integration_user(m)
			   : rt_map_queue(m, (enum kt_ticket_type)(t >= 0 ? t : 0));
	char path[32];
	json_t *doc;
	const char *tz;
	int n = 0;

	if (i < 0 || (i > 0 && t < 0) || !name)
		return rt_err_build(err, "the rt adapter has no check %d", i);
	snprintf(path, sizeof(path), "%s%s", i == 0 ? "/integration_user" : "/queues/",
		 i == 0 ? "" : kt_ticket_type_name((enum kt_ticket_type)t));
	if (a->http_status == 404) {
		kt_err_detail(err, path, "RT has no %s \"%s\"", i == 0 ? "user" : "queue", name);
		return kt_err_set(err, KT_EC_INVALID, "mapping_unknown_value",
				  "the rt mapping names what RT does not have");
	}
	if (!(doc = rt_answer_json(a, err)))
		return KT_ERR;
	tz = json_string_value(json_object_get(doc, "Timezone"));
	if (i == 0 && tz && *tz && strcmp(tz, "UTC") != 0) {
		kt_err_detail(err, path, "RT user \"%s\" has time zone %s: set it to UTC (TicketSQL "
			      "times are read in the user's zone)", name, tz);
		n++;
	} else if (i > 0) {
		n = queue_problems(m, doc, name, err);
	}
	json_decref(doc);
	if (n)
		return kt_err_set(err, KT_EC_INVALID, "mapping_unknown_value",
				  "the rt mapping names what RT does not have");
	return KT_OK;
}
