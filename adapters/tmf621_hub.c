/* tmf621_hub.c - the `tmf621` adapter's calls that are not about one
 * ticket: the hub (POST /hub registers Keten's listener, DELETE
 * /hub/{id} removes it; run by `keten supplier subscribe|unsubscribe`)
 * and the live check of `keten supplier check`: whether the seller
 * honours the lastUpdate.gt filter the poll relies on. */
#include <stdlib.h>
#include <string.h>

#include "base/url.h"
#include "adapter_util.h"
#include "tmf621_int.h"

/* A time no ticket was changed after: a list filtered on it is empty. */
#define FAR_FUTURE "2999-01-01T00:00:00.000Z"

int kt_tmf_build_subscribe(const json_t *supplier, const char *callback,
			   struct kt_http_request *out, struct kt_err *err)
{
	int v5 = kt_tmf_version(json_object_get(supplier, "mapping")) == 5;
	size_t n = callback ? strlen(callback) : 0;
	struct kt_buf url;
	json_t *body;

	if (n < 9 || n > 2048 || strncmp(callback, "https://", 8) != 0 ||
	    strcspn(callback, " \t\r\n\"<>\\^`{|}") != n)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "the listener's callback must be an https URL");
	body = v5 ? json_pack("{s:s, s:s}", "@type", "Hub", "callback", callback)
		  : json_pack("{s:s}", "callback", callback);
	if (!body)
		return kt_tmf_oom(err);
	kt_buf_init(&url, 4096);
	if (kt_tmf_url(&url, supplier, "hub", err)) {
		kt_buf_release(&url);
		json_decref(body);
		return KT_ERR;
	}
	return kt_tmf_request(out, "POST", &url, body,
			      v5 ? "application/json" : "application/json;charset=utf-8", err);
}

int kt_tmf_read_subscribe(const json_t *supplier, const struct kt_answer *a, char **id,
			  struct kt_err *err)
{
	const char *hub;
	json_t *doc;

	(void)supplier;
	*id = NULL;
	if (kt_tmf_answer(a, "the hub registration", 0, &doc, err))
		return KT_ERR;
	hub = kt_tmf_text(doc, "id", KT_TMF_ID_MAX);
	if (hub && !(*id = strdup(hub))) {
		json_decref(doc);
		return kt_tmf_oom(err);
	}
	json_decref(doc);
	return hub ? KT_OK : kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
					"the seller's hub answer names no id");
}

int kt_tmf_build_unsubscribe(const json_t *supplier, const char *id,
			     struct kt_http_request *out, struct kt_err *err)
{
	struct kt_buf url;

	if (!id || !*id || strlen(id) > KT_TMF_ID_MAX)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "not a hub id: \"%.40s\"",
				  id ? id : "");
	kt_buf_init(&url, 4096);
	if (kt_tmf_url(&url, supplier, "hub/", err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, id);
	return kt_tmf_request(out, "DELETE", &url, NULL, NULL, err);
}

/* Check 0 (when the mapping polls by the filter): the list of tickets
 * changed after FAR_FUTURE. */
int kt_tmf_build_check(const json_t *supplier, int i, struct kt_http_request *out,
		       struct kt_err *err)
{
	struct kt_buf url;

	if (i != 0 || !kt_tmf_poll_filter(json_object_get(supplier, "mapping")))
		return KT_OK;
	kt_buf_init(&url, 4096);
	if (kt_tmf_url(&url, supplier, "troubleTicket?lastUpdate.gt=", err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, FAR_FUTURE);
	kt_buf_adds(&url, "&limit=1");
	return kt_tmf_request(out, "GET", &url, NULL, NULL, err);
}

/* An empty list: the seller filters. Any ticket: it ignores the filter,
 * and the poll must list everything (poll_filter false). */
int kt_tmf_read_check(const json_t *supplier, int i, const struct kt_answer *a,
		      struct kt_err *err)
{
	json_t *doc;
	size_t n;

	(void)supplier;
	(void)i;
	if (kt_tmf_answer(a, "the filter probe", 1, &doc, err))
		return KT_ERR;
	n = json_array_size(doc);
	json_decref(doc);
	if (n == 0)
		return KT_OK;
	return kt_check_unknown(err, "/poll_filter",
				"the seller ignores lastUpdate.gt: set poll_filter to false",
				"the seller does not filter on lastUpdate");
}
