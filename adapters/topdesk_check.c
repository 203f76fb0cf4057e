/* topdesk_check.c - the `topdesk` adapter's live checks for `keten supplier
 * check` (keten/adapter.h build_check/read_check): the credentials and the
 * REST API version (FIQL queries need 3.3.0 or newer), then the two FIQL
 * queries the adapter lives on, its lookup and its poll, each asked once.
 * The values of TOPdesk's search lists are not checked: the facts name no
 * endpoint for them. */
#include <stdlib.h>
#include <string.h>

#include "adapter_util.h"
#include "topdesk_int.h"

/* An externalNumber no leg has: the lookup probe finds nothing. */
#define NO_LEG "00000000-0000-4000-8000-000000000000"
/* A time no incident changed after: the poll probe lists nothing. */
#define NO_CHANGE "2999-01-01T00:00:00Z"
/* The first REST API version with FIQL queries. */
#define FIQL_MAJOR 3
#define FIQL_MINOR 3

enum { CHECK_VERSION, CHECK_LOOKUP, CHECK_POLL, CHECK__COUNT };

static int check_failed(struct kt_err *err, const char *path, const char *what)
{
	return kt_check_unknown(err, path, what, "TOPdesk does not take what the adapter needs");
}

int kt_topdesk_build_check(const json_t *supplier, int i, struct kt_http_request *out,
			   struct kt_err *err)
{
	struct kt_buf url;

	if (i == CHECK_POLL)
		return kt_topdesk_build_poll(supplier, "incidents", NO_CHANGE, NULL, out, err);
	if (i < 0 || i >= CHECK__COUNT)
		return KT_OK;
	kt_buf_init(&url, 4096);
	if (kt_topdesk_url(&url, supplier, i == CHECK_VERSION ? "version" : "incidents?query=",
			   err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	if (i == CHECK_LOOKUP) {
		kt_url_pcts(&url, "externalNumber==" NO_LEG);
		kt_buf_adds(&url, "&all=true");
	}
	return kt_topdesk_request(out, "GET", &url, NULL, err);
}

/* 1 when "major.minor[.patch]" is at least FIQL_MAJOR.FIQL_MINOR. */
static int has_fiql(const char *version)
{
	char *end;
	long major = strtol(version, &end, 10), minor = 0;

	if (end == version)
		return 0;
	if (*end == '.')
		minor = strtol(end + 1, &end, 10);
	return major > FIQL_MAJOR || (major == FIQL_MAJOR && minor >= FIQL_MINOR);
}

int kt_topdesk_read_check(const json_t *supplier, int i, const struct kt_answer *a,
			  struct kt_err *err)
{
	json_t *doc = NULL;
	const char *version;
	int rc;

	(void)supplier;
	if (a->http_status == 401 || a->http_status == 403)
		return check_failed(err, "", "TOPdesk refuses the login name or application password, "
				    "or the operator may not use the REST API");
	if (i != CHECK_VERSION) {
		if (kt_topdesk_list(a, i == CHECK_LOOKUP ? "the lookup by externalNumber"
							 : "the poll on modificationDate",
				    &doc, err)) {
			kt_err_release(err);
			return check_failed(err, "", i == CHECK_LOOKUP
				? "TOPdesk does not answer the lookup query (externalNumber==...) with a list"
				: "TOPdesk does not answer the poll query (modificationDate=gt=...) with a list");
		}
		json_decref(doc);
		return KT_OK;
	}
	if (a->http_status == 200 && a->len > 0)
		doc = json_loadb(a->body, a->len, 0, NULL);
	version = json_string_value(json_object_get(doc, "version"));
	rc = version && has_fiql(version)
		     ? KT_OK
		     : check_failed(err, "", "TOPdesk's REST API is older than 3.3.0 (or says no "
				    "version): it has no FIQL queries for the lookup and the poll");
	json_decref(doc);
	return rc;
}
