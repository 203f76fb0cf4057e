/* servicenow.c - the `servicenow` adapter (adapters/servicenow.md): an
 * outbox message as ServiceNow Table API calls (a record per ticket type's
 * table, or a catalog order for requests), with the journal check that
 * keeps a comment from being posted twice; the answers, the lookup by
 * correlation_id and the error JSON read back. Polls and pushes are read in
 * servicenow_feed.c, the mapping in servicenow_map.c, its live checks in
 * servicenow_check.c. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/url.h"
#include "servicenow.h"
#include "servicenow_check.h"
#include "servicenow_list.h"
#include "servicenow_feed.h"
#include "servicenow_map.h"

#define DEFAULT_DISPLAY "Keten"
/* Where an order's variables are found, and the field naming its request. */
#define ORDER_OPTIONS "sc_item_option_mtom"
#define ORDER_REQUEST "request_item.request"
#define DEFAULT_CLOSE_NOTES "Resolved through Keten"
#define DEFAULT_SHORT_MAX 160
#define MARKER_MAX (KT_SN_ID_MAX + 16)

static int build_error(struct kt_err *err, const char *what)
{
	return kt_err_set(err, KT_EC_INVALID, "adapter_build", "%s", what);
}

static int reply_error(struct kt_err *err, const char *what)
{
	return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "%s", what);
}

int kt_sn_url_start(struct kt_buf *url, const json_t *supplier, struct kt_err *err)
{
	const char *ep = json_string_value(json_object_get(supplier, "endpoint"));
	size_t n = ep ? strlen(ep) : 0;

	kt_buf_init(url, KT_SN_URL_MAX);
	if (!ep || strncmp(ep, "https://", 8) != 0 || n <= 8 || ep[8] == '/' ||
	    strpbrk(ep, " \t\r\n?#"))
		return build_error(err, "the supplier has no absolute https endpoint");
	while (n > 8 && ep[n - 1] == '/')
		n--;
	return kt_buf_add(url, ep, n) ? kt_sn_out_of_memory(err) : KT_OK;
}

int kt_sn_request(struct kt_http_request *out, const char *method, struct kt_buf *url,
		  json_t *body, struct kt_err *err)
{
	char *text = NULL;
	int rc;

	if (url->failed) {
		kt_buf_release(url);
		json_decref(body);
		return build_error(err, "the request URL is too long");
	}
	if (body) {
		text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(body);
		if (!text) {
			kt_buf_release(url);
			return kt_sn_out_of_memory(err);
		}
	}
	rc = kt_http_request_set(out, method, kt_buf_str(url), text, "application/json", err);
	kt_buf_release(url);
	if (rc == KT_OK && kt_http_request_add_header(out, "accept", "application/json") != 0) {
		kt_http_request_release(out);
		return kt_sn_out_of_memory(err);
	}
	return rc;
}

int kt_sn_list(const json_t *supplier, const char *table, struct kt_buf *q, const char *fields,
	       long limit, const char *extra, struct kt_http_request *out, struct kt_err *err)
{
	struct kt_buf url;

	if (kt_sn_url_start(&url, supplier, err)) {
		kt_buf_release(q);
		return KT_ERR;
	}
	kt_buf_adds(&url, "/api/now/v2/table/");
	kt_url_pcts(&url, table);
	kt_buf_adds(&url, "?sysparm_query=");
	kt_url_pcts(&url, kt_buf_str(q));
	kt_buf_adds(&url, "&sysparm_fields=");
	kt_url_pcts(&url, fields);
	kt_buf_addf(&url, "&sysparm_limit=%ld%s", limit, extra);
	if (q->failed)
		url.failed = 1;
	kt_buf_release(q);
	return kt_sn_request(out, "GET", &url, NULL, err);
}

/* What every operation needs to know. All borrowed. */
struct op {
	const json_t *mapping;
	struct kt_sn_entry entry;
	const char *type;        /* the ticket's type name */
	const char *leg_id;
	const char *sys_id;      /* the record's, once known (NULL before) */
};

static int op_prepare(const struct kt_adapter_msg *msg, struct op *o, struct kt_err *err)
{
	const json_t *leg = json_object_get(msg->leg_view, "leg");
	const json_t *ext = json_object_get(leg, "external_id");

	memset(o, 0, sizeof(*o));
	o->mapping = json_object_get(msg->supplier, "mapping");
	if ((unsigned)msg->op >= KT_OP__COUNT)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "unknown outbox operation %d",
				  (int)msg->op);
	if (!json_is_object(msg->leg_view))
		return build_error(err, "the leg view is not a JSON object");
	if (msg->payload && !json_is_object(msg->payload))
		return build_error(err, "the payload is not a JSON object");
	o->type = json_string_value(json_object_get(msg->leg_view, "type"));
	if (kt_sn_entry_of(o->mapping, o->type, &o->entry) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "the mapping has no entry for tickets of type \"%s\"",
				  o->type ? o->type : "");
	o->leg_id = json_string_value(json_object_get(leg, "id"));
	if (!kt_sn_is_token(o->leg_id))
		return build_error(err, "the leg view names no usable leg id");
	if (json_is_string(ext) && !kt_sn_is_token(json_string_value(ext)))
		return build_error(err, "the leg's external id is not a sys_id");
	o->sys_id = json_string_value(ext);
	if (!o->sys_id)
		o->sys_id = json_string_value(json_object_get(msg->state, "sys_id"));
	return KT_OK;
}

/* Sets key to s cut to max bytes on a character boundary (stolen copy). */
static int set_cut(json_t *obj, const char *key, const char *s, size_t max)
{
	size_t n = kt_utf8_cut(s, strlen(s), max);

	return json_object_set_new(obj, key, json_stringn(s, n));
}

/* short_description and description: a summary longer than the mapping's
 * short_description_max is cut there and given whole at the top of the
 * description, so nothing is lost. */
static int add_texts(const struct op *o, const json_t *view, json_t *body, const char *sk,
		     const char *dk)
{
	const char *summary = json_string_value(json_object_get(view, "summary"));
	const char *desc = json_string_value(json_object_get(view, "description"));
	size_t max = (size_t)kt_sn_setting_int(o->mapping, "short_description_max",
						DEFAULT_SHORT_MAX);
	int rc = 0;

	if (!summary)
		summary = "";
	if (sk)
		rc |= set_cut(body, sk, summary, max);
	if (dk && strlen(summary) > max) {
		struct kt_buf b;

		kt_buf_init(&b, KT_SN_TEXT_MAX * 2);
		kt_buf_addf(&b, "%s\n\n%s", summary, desc ? desc : "");
		rc |= b.failed || set_cut(body, dk, kt_buf_str(&b), KT_SN_TEXT_MAX);
		kt_buf_release(&b);
	} else if (dk && desc) {
		rc |= set_cut(body, dk, desc, KT_SN_TEXT_MAX);
	}
	return rc;
}

static int add_correlation(const struct op *o, json_t *body)
{
	return json_object_set_new(body, "correlation_id", json_string(o->leg_id)) ||
	       json_object_set_new(body, "correlation_display",
				   json_string(kt_sn_setting(o->mapping, "correlation_display",
							     DEFAULT_DISPLAY)));
}

static int add_level(const struct op *o, const json_t *view, json_t *body, const char *key)
{
	const json_t *v = json_object_get(view, key);
	char buf[64];

	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3)
		return 0;
	kt_sn_level(o->mapping, key, (long)json_integer_value(v), buf, sizeof(buf));
	return json_object_set_new(body, key, json_string(buf));
}

/* method on the endpoint + path with body (stolen, may be NULL); path is
 * NULL-terminated, its even members literal, its odd members values that
 * are percent-encoded. */
static int call(const struct kt_adapter_msg *msg, const char *method, const char *const *path,
		json_t *body, struct kt_http_request *out, struct kt_err *err)
{
	struct kt_buf url;

	if (kt_sn_url_start(&url, msg->supplier, err)) {
		json_decref(body);
		return KT_ERR;
	}
	for (size_t i = 0; path[i]; i++) {
		if (i % 2)
			kt_url_pcts(&url, path[i]);
		else
			kt_buf_adds(&url, path[i]);
	}
	return kt_sn_request(out, method, &url, body, err);
}

/* POST /api/now/table/<table>: the entry's field defaults, then ours. */
static int build_create(const struct kt_adapter_msg *msg, const struct op *o,
			struct kt_http_request *out, struct kt_err *err)
{
	json_t *body = json_deep_copy(json_object_get(o->entry.obj, "fields"));

	if (!body)
		body = json_object();
	if (!body || add_texts(o, msg->leg_view, body, "short_description", "description") ||
	    add_level(o, msg->leg_view, body, "impact") ||
	    add_level(o, msg->leg_view, body, "urgency") || add_correlation(o, body)) {
		json_decref(body);
		return kt_sn_out_of_memory(err);
	}
	return call(msg, "POST", (const char *[]){ "/api/now/table/", o->entry.table, NULL }, body,
		    out, err);
}

/* The catalog variable that carries our reference in an order, or NULL. */
static const char *reference_variable(const struct op *o)
{
	return json_string_value(json_object_get(o->entry.obj, "reference_variable"));
}

/* A request is a catalog order (step 0), with our reference in the
 * mapping's reference_variable; step 1 gives the ordered record our
 * reference (an idempotent PATCH). */
static int build_order(const struct kt_adapter_msg *msg, const struct op *o,
		       struct kt_http_request *out, struct kt_err *err)
{
	json_t *vars = json_deep_copy(json_object_get(o->entry.obj, "variables"));
	const char *sv = json_string_value(json_object_get(o->entry.obj, "summary_variable"));
	const char *dv = json_string_value(json_object_get(o->entry.obj, "description_variable"));
	const char *rv = reference_variable(o);
	json_t *body;

	if (!vars)
		vars = json_object();
	body = json_pack("{s:s, s:o}", "sysparm_quantity", "1", "variables", vars);
	if (!body || add_texts(o, msg->leg_view, vars, sv, dv) ||
	    (rv && json_object_set_new(vars, rv, json_string(o->leg_id)))) {
		json_decref(body);
		return kt_sn_out_of_memory(err);
	}
	return call(msg, "POST",
		    (const char *[]){ "/api/sn_sc/servicecatalog/items/", o->entry.catalog_item,
				      "/order_now", NULL },
		    body, out, err);
}

/* method on <endpoint>/api/now/table/<table>/<sys_id> with body (stolen). */
static int record_call(const struct kt_adapter_msg *msg, const struct op *o, const char *method,
		       json_t *body, struct kt_http_request *out, struct kt_err *err)
{
	if (!o->sys_id) {
		json_decref(body);
		return build_error(err, "the leg has no ServiceNow record yet");
	}
	return call(msg, method,
		    (const char *[]){ "/api/now/table/", o->entry.table, "/", o->sys_id, NULL },
		    body, out, err);
}

static int build_correlate(const struct kt_adapter_msg *msg, const struct op *o,
			   struct kt_http_request *out, struct kt_err *err)
{
	json_t *body = json_object();

	if (!body || add_correlation(o, body)) {
		json_decref(body);
		return kt_sn_out_of_memory(err);
	}
	return record_call(msg, o, "PATCH", body, out, err);
}

/* A journal entry (comment or work note) the operation writes, with the
 * marker a retry searches for. */
struct journal {
	const char *field;           /* "comments" or "work_notes"; NULL: none */
	const char *text;            /* borrowed */
	char marker[MARKER_MAX];     /* "[keten:...]" */
};

/* The marker: the comment's origin when Keten gave one (it comes back as
 * comment_origin), else the message's own id. */
static int journal_marker(const struct kt_adapter_msg *msg, const char *origin,
			  struct journal *j, struct kt_err *err)
{
	if (origin && kt_sn_is_token(origin) && strncmp(origin, "keten:", 6) == 0) {
		snprintf(j->marker, sizeof(j->marker), "[%s]", origin);
		return KT_OK;
	}
	if (!kt_sn_is_token(msg->message_id))
		return build_error(err, "the message id cannot be a journal marker");
	snprintf(j->marker, sizeof(j->marker), "[keten:msg:%s]", msg->message_id);
	return KT_OK;
}

/* The journal entry and record fields of a write operation. *fields is
 * new (maybe empty). */
static int plan_write(const struct kt_adapter_msg *msg, const struct op *o, struct journal *j,
		      json_t **fields, struct kt_err *err)
{
	const json_t *comment = json_object_get(msg->payload, "comment");
	const json_t *reopen = json_object_get(msg->payload, "reopen");
	const char *leg_status = json_string_value(
		json_object_get(json_object_get(msg->leg_view, "leg"), "status"));
	const char *author = NULL, *state, *hold, *origin = NULL;
	enum kt_status st;
	int has_st = 0;

	memset(j, 0, sizeof(*j));
	if (!(*fields = json_object()))
		return kt_sn_out_of_memory(err);
	switch (msg->op) {
	case KT_OP_COMMENT:
		j->text = json_string_value(json_object_get(comment, "text"));
		author = json_string_value(json_object_get(comment, "author"));
		origin = json_string_value(json_object_get(comment, "origin"));
		if (!j->text || !*j->text)
			return build_error(err, "the comment has no text");
		break;
	case KT_OP_UPDATE:
		has_st = leg_status && kt_status_parse(leg_status, &st) == 0;
		j->text = json_string_value(json_object_get(reopen, "reason"));
		author = "customer";
		break;
	case KT_OP_RESOLVE:
		st = KT_ST_RESOLVED;
		has_st = 1;
		break;
	default:
		st = KT_ST_CANCELLED;
		has_st = 1;
		break;
	}
	if (j->text && *j->text) {
		j->field = kt_sn_author_public(o->mapping, author) ? "comments" : "work_notes";
		if (journal_marker(msg, origin, j, err))
			return KT_ERR;
	}
	state = has_st ? kt_sn_state_out(&o->entry, st, &hold) : NULL;
	if (!state)
		return KT_OK;
	if (json_object_set_new(*fields, "state", json_string(state)) ||
	    (hold && json_object_set_new(*fields, "hold_reason", json_string(hold))))
		return kt_sn_out_of_memory(err);
	if (st == KT_ST_RESOLVED) {
		const char *code = json_string_value(json_object_get(o->entry.obj, "close_code"));
		const char *notes = json_string_value(json_object_get(
			json_object_get(msg->payload, "resolution"), "text"));

		if (!notes || !*notes)
			notes = kt_sn_setting(o->mapping, "close_notes", DEFAULT_CLOSE_NOTES);
		if ((code && json_object_set_new(*fields, "close_code", json_string(code))) ||
		    set_cut(*fields, "close_notes", notes, KT_SN_TEXT_MAX))
			return kt_sn_out_of_memory(err);
	}
	return KT_OK;
}

/* A retry of a journal write first looks for its marker, unless an
 * earlier step found it already (state "landed"). */
static int needs_check(const struct kt_adapter_msg *msg, const struct journal *j)
{
	return j->field && msg->attempt > 1 && !json_is_true(json_object_get(msg->state, "landed"));
}

/* GET sys_journal_field for the marker on this record. */
static int build_check(const struct kt_adapter_msg *msg, const struct op *o,
		       const struct journal *j, struct kt_http_request *out, struct kt_err *err)
{
	struct kt_buf q;

	kt_buf_init(&q, KT_SN_URL_MAX);
	kt_buf_addf(&q, "element_id=%s^valueLIKE%s", o->sys_id, j->marker);
	return kt_sn_list(msg->supplier, "sys_journal_field", &q, "sys_id", 1, "", out, err);
}

/* The journal text with its marker on a line of its own, cut to fit. */
static int add_journal(json_t *fields, const struct journal *j)
{
	size_t room = KT_SN_TEXT_MAX - strlen(j->marker) - 2;
	size_t n = kt_utf8_cut(j->text, strlen(j->text), room);
	struct kt_buf b;
	int rc;

	kt_buf_init(&b, KT_SN_TEXT_MAX);
	kt_buf_add(&b, j->text, n);
	kt_buf_addf(&b, "\n\n%s", j->marker);
	rc = b.failed || json_object_set_new(fields, j->field, json_string(kt_buf_str(&b)));
	kt_buf_release(&b);
	return rc;
}

static int build_write(const struct kt_adapter_msg *msg, const struct op *o,
		       struct kt_http_request *out, struct kt_err *err)
{
	struct journal j;
	json_t *fields;

	if (!o->sys_id)
		return build_error(err, "the leg has no ServiceNow record yet");
	if (plan_write(msg, o, &j, &fields, err)) {
		json_decref(fields);
		return KT_ERR;
	}
	if (needs_check(msg, &j)) {
		json_decref(fields);
		return build_check(msg, o, &j, out, err);
	}
	if (j.field && !json_is_true(json_object_get(msg->state, "landed")) &&
	    add_journal(fields, &j)) {
		json_decref(fields);
		return kt_sn_out_of_memory(err);
	}
	if (json_object_size(fields) == 0) {
		/* nothing to change (a closed leg ServiceNow closes itself) */
		json_decref(fields);
		return record_call(msg, o, "GET", NULL, out, err);
	}
	return record_call(msg, o, "PATCH", fields, out, err);
}

static int sn_build_request(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			    struct kt_err *err)
{
	struct op o;

	if (op_prepare(msg, &o, err))
		return KT_ERR;
	if (msg->op != KT_OP_CREATE)
		return build_write(msg, &o, out, err);
	if (!o.entry.catalog_item)
		return build_create(msg, &o, out, err);
	return msg->step == 0 ? build_order(msg, &o, out, err) : build_correlate(msg, &o, out, err);
}

/* The "result" member of a 2xx JSON answer (new reference), or NULL with
 * err set. */
static json_t *answer_result(const struct kt_answer *a, struct kt_err *err)
{
	json_t *doc, *result;

	if (a->http_status < 200 || a->http_status > 299) {
		kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "ServiceNow answered HTTP %ld",
			   a->http_status);
		return NULL;
	}
	doc = a->body ? json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	result = json_incref(json_object_get(doc, "result"));
	json_decref(doc);
	if (!result)
		reply_error(err, "the answer has no \"result\"");
	return result;
}

/* A reference or plain value of rec's field key (a string either way, or
 * {"value": ...}). Borrowed, or NULL. */
const char *kt_sn_value(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);

	if (json_is_object(v))
		v = json_object_get(v, "value");
	return json_string_value(v);
}

/* external_id and status of a record answer into out. */
static int read_record(const struct op *o, const json_t *rec, const char *id_key,
		       struct kt_adapter_reply *out, struct kt_err *err)
{
	const char *id = kt_sn_value(rec, id_key);

	if (!kt_sn_is_token(id))
		return reply_error(err, "the answer names no usable sys_id");
	if (!(out->external_id = strdup(id)))
		return kt_sn_out_of_memory(err);
	out->has_status = kt_sn_status_in(&o->entry, kt_sn_value(rec, "state"),
					  kt_sn_value(rec, "hold_reason"), &out->status) == 0;
	return KT_OK;
}

static int read_create(const struct kt_adapter_msg *msg, const struct op *o,
		       const json_t *result, struct kt_adapter_reply *out, struct kt_err *err)
{
	if (!json_is_object(result))
		return reply_error(err, "the answer's result is not a record");
	if (!o->entry.catalog_item || msg->step > 0)
		return read_record(o, result, "sys_id", out, err);
	/* the order: its request's sys_id, then step 1 sets our reference */
	if (read_record(o, result, kt_sn_value(result, "sys_id") ? "sys_id" : "request_id", out,
			err))
		return KT_ERR;
	out->has_status = 0;
	out->next_step = 1;
	out->state = json_pack("{s:s}", "sys_id", out->external_id);
	return out->state ? KT_OK : kt_sn_out_of_memory(err);
}

static int sn_read_reply(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			 struct kt_adapter_reply *out, struct kt_err *err)
{
	struct journal j;
	json_t *result, *fields = NULL;
	struct op o;
	int rc = KT_OK;

	if (op_prepare(msg, &o, err) || !(result = answer_result(a, err)))
		return KT_ERR;
	if (msg->op == KT_OP_CREATE) {
		rc = read_create(msg, &o, result, out, err);
		goto out;
	}
	if (plan_write(msg, &o, &j, &fields, err)) {
		rc = KT_ERR;
		goto out;
	}
	if (needs_check(msg, &j)) {
		int landed = json_array_size(result) > 0;

		if (!json_is_array(result)) {
			rc = reply_error(err, "the journal answer's result is not a list");
			goto out;
		}
		/* landed with nothing else to write: done; else write next */
		if (landed && json_object_size(fields) == 0)
			goto out;
		out->next_step = msg->step + 1;
		out->state = json_pack("{s:b}", "landed", landed);
		if (!out->state)
			rc = kt_sn_out_of_memory(err);
	}
out:
	json_decref(fields);
	json_decref(result);
	return rc;
}

/* An order not yet given its correlation id (step 0) is found by our
 * reference in its variables: the variable's value of a requested item
 * and that item's request. */
static int order_lookup(const struct kt_adapter_msg *msg, const struct op *o,
			struct kt_http_request *out, struct kt_err *err)
{
	struct kt_buf q;

	kt_buf_init(&q, KT_SN_URL_MAX);
	kt_buf_addf(&q, "sc_item_option.item_option_new.name=%s^sc_item_option.value=%s"
		    "^request_item.cat_item=%s", reference_variable(o), o->leg_id,
		    o->entry.catalog_item);
	return kt_sn_list(msg->supplier, ORDER_OPTIONS, &q, ORDER_REQUEST, 1,
			  "&sysparm_exclude_reference_link=true", out, err);
}

/* The lookup of an order at step 0, by its variables. */
static int is_order_lookup(const struct kt_adapter_msg *msg, const struct op *o)
{
	return o->entry.catalog_item && msg->step == 0 && reference_variable(o);
}

static int sn_build_lookup(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			   struct kt_err *err)
{
	struct kt_buf q;
	struct op o;

	if (op_prepare(msg, &o, err))
		return KT_ERR;
	if (is_order_lookup(msg, &o))
		return order_lookup(msg, &o, out, err);
	kt_buf_init(&q, KT_SN_URL_MAX);
	kt_buf_addf(&q, "correlation_id=%s", o.leg_id);
	return kt_sn_list(msg->supplier, o.entry.table, &q, "sys_id,state,hold_reason", 1, "", out,
			  err);
}

/* 200 with a record: found; 200 with none, or 404 (the v1 Table API's
 * empty list): not found. */
static int sn_read_lookup(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			  int *found, struct kt_adapter_reply *out, struct kt_err *err)
{
	json_t *result;
	struct op o;
	int rc;

	*found = 0;
	if (op_prepare(msg, &o, err))
		return KT_ERR;
	if (a->http_status == 404)
		return KT_OK;
	if (a->http_status != 200)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "the lookup answered HTTP %ld, not 200 or 404", a->http_status);
	if (!(result = answer_result(a, err)))
		return KT_ERR;
	if (!json_is_array(result))
		rc = reply_error(err, "the lookup's result is not a list");
	else if (json_array_size(result) == 0)
		rc = KT_OK;
	else if ((rc = read_record(&o, json_array_get(result, 0),
				   is_order_lookup(msg, &o) ? ORDER_REQUEST : "sys_id", out,
				   err)) == KT_OK)
		*found = 1;
	/* the order found: step 1 gives it our reference */
	if (rc == KT_OK && *found && is_order_lookup(msg, &o)) {
		out->has_status = 0;
		out->next_step = 1;
		if (!(out->state = json_pack("{s:s}", "sys_id", out->external_id)))
			rc = kt_sn_out_of_memory(err);
	}
	json_decref(result);
	return rc;
}

/* {"error": {"message", "detail"}, "status": "failure"}: "message: detail". */
static int sn_read_error(const struct kt_answer *a, char *buf, size_t n)
{
	json_t *doc = a->body ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	const json_t *e = json_object_get(doc, "error");
	const char *m = json_string_value(json_object_get(e, "message"));
	const char *d = json_string_value(json_object_get(e, "detail"));
	int found = m && *m && n > 0;

	if (found) {
		if (d && *d)
			snprintf(buf, n, "%s: %s", m, d);
		else
			snprintf(buf, n, "%s", m);
		kt_utf8_trim(buf);
	}
	json_decref(doc);
	return found;
}

static const char *const feeds[] = { "records", "journal", NULL };

const struct kt_adapter kt_adapter_servicenow = {
	.name = "servicenow",
	.mapping_schema = "schemas/adapters/servicenow.json",
	.check_mapping = kt_sn_check_mapping,
	.accepts_type = kt_sn_accepts_type,
	.build_request = sn_build_request,
	.read_reply = sn_read_reply,
	.read_error = sn_read_error,
	.build_lookup = sn_build_lookup,
	.read_lookup = sn_read_lookup,
	.push = { KT_PUSH_TOKEN_HEADER, KT_SN_PUSH_HEADER, NULL },
	.read_inbound = kt_sn_read_inbound,
	.poll_feeds = feeds,
	.build_poll = kt_sn_build_poll,
	.read_poll = kt_sn_read_poll,
	.build_check = kt_sn_build_check,
	.read_check = kt_sn_read_check,
	.build_list = kt_sn_build_list,
	.read_list = kt_sn_read_list,
};
