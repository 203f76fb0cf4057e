/* api_reports.c - GET /v1/reports/services/{id} and
 * /v1/reports/suppliers/{id}?from=&to=[&format=csv]: a service's
 * availability (sla/report.h: downtime, breaks, MTRS, MTBF, MTBSI), SLA
 * compliance and breach attribution, for the integrator and the service's
 * customer (who sees a supplier's name only where the chain lets it);
 * a supplier's scorecard, for the integrator; GET
 * /v1/reports/services/{id}/daily, the availability figures per UTC day
 * (the console's charts). The aggregates come from
 * store/tx_report.h; rules in README "SLA and reports". */
#include <stdlib.h>
#include <string.h>

#include "admin/report_csv.h"
#include "base/civil_time.h"
#include "http/api.h"
#include "sla/agreement.h"
#include "sla/report.h"
#include "store/tx_admin.h"
#include "store/tx_report.h"

/* The longest period a report covers, in days (about three years). */
#define REPORT_MAX_DAYS 1100
/* The longest daily series, in days. */
#define REPORT_DAILY_MAX_DAYS 366
/* The most outage intervals a service report merges. */
#define REPORT_MAX_OUTAGES 100000

/* A period bound: "YYYY-MM-DD" (00:00 UTC) or an RFC 3339 time. */
static int bound(const char *name, const char *s, long long *out, struct kt_err *err)
{
	long long days;

	if (!s)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_period",
				  "%s is required: a date (YYYY-MM-DD) or an RFC 3339 time in UTC",
				  name);
	if (kt_civil_date_parse(s, &days) == 0) {
		*out = days * 86400;
		return KT_OK;
	}
	if (kt_time_parse(s, out) == 0 && strchr(s, 'T'))
		return KT_OK;
	return kt_err_set(err, KT_EC_MALFORMED, "invalid_period",
			  "%s must be a date (YYYY-MM-DD) or an RFC 3339 time such as "
			  "2026-03-01T00:00:00Z", name);
}

/* The period [from, to) and the format of r's query. */
static int query(const struct kt_request *r, long long *from, long long *to, int *csv,
		 struct kt_err *err)
{
	if (bound("from", r->query_from, from, err) || bound("to", r->query_to, to, err))
		return KT_ERR;
	if (*from < 0)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_period", "from must be 1970 or later");
	if (*to <= *from)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_period", "to must be later than from");
	if (*to - *from > REPORT_MAX_DAYS * 86400LL)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_period",
				  "a report covers at most %d days", REPORT_MAX_DAYS);
	*csv = r->query_format && strcmp(r->query_format, "csv") == 0;
	if (r->query_format && !*csv && strcmp(r->query_format, "json") != 0)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_format", "format must be json or csv");
	return KT_OK;
}

/* Sets r's answer to report (which it takes) as JSON or CSV. */
static int answer(struct kt_request *r, json_t *report, int csv, struct kt_err *err)
{
	if (report)
		r->answer_text = csv ? kt_report_csv(report)
				     : json_dumps(report, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(report);
	if (!r->answer_text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	r->answer_type = csv ? "text/csv; charset=utf-8" : NULL;
	r->status = 200;
	return KT_OK;
}

/* {"id", "key", "name"} of e, and the period, into a new report. */
static json_t *report_head(const char *what, const struct kt_store_entity *e, long long from,
			   long long to)
{
	char f[KT_TIME_UTC_LEN], t[KT_TIME_UTC_LEN];

	kt_time_format_utc(from, f);
	kt_time_format_utc(to, t);
	return json_pack("{s:{s:s, s:s, s:s}, s:{s:s, s:s}}", what, "id", e->id, "key", e->key,
			 "name", e->name, "period", "from", f, "to", t);
}

/* Downtime and the ITIL figures of facts' outages in the SLA's hours. */
static json_t *availability(const json_t *facts, long long from, long long to,
			    struct kt_err *err)
{
	const json_t *sla = json_object_get(facts, "sla"), *outages = json_object_get(facts, "outages");
	size_t i, n = json_array_size(outages);
	struct kt_sla_agreement a;
	struct kt_report_avail avail;
	struct kt_span *spans;
	json_t *o, *pair;

	if (n > REPORT_MAX_OUTAGES) {
		kt_err_set(err, KT_EC_INVALID, "too_many_outages",
			   "more than %d outages in the period: report a shorter one",
			   REPORT_MAX_OUTAGES);
		return NULL;
	}
	if (kt_sla_agreement_init(&a, json_is_object(sla) ? sla : NULL, err))
		return NULL;
	if (!(spans = calloc(n ? n : 1, sizeof(*spans)))) {
		kt_sla_agreement_release(&a);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	json_array_foreach(outages, i, pair) {
		spans[i].from = (long long)json_integer_value(json_array_get(pair, 0));
		spans[i].to = (long long)json_integer_value(json_array_get(pair, 1));
	}
	kt_report_availability(&a.cal, from, to, spans, n, &avail);
	free(spans);
	kt_sla_agreement_release(&a);
	o = kt_report_itil(&avail, json_number_value(json_object_get(sla, "availability_target")));
	if (!o || json_object_set_new(o, "outage_tickets", json_integer((json_int_t)n))) {
		json_decref(o);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	return o;
}

/* Who held the breached tickets: the integrator sees every supplier by
 * key; a customer sees a supplier by name where its name_to_customer
 * allows, the others only summed as other_suppliers. */
static json_t *attribution(const json_t *facts, const struct kt_principal *p)
{
	const json_t *at = json_object_get(facts, "attribution"), *s;
	json_t *out = json_deep_copy(at), *named = json_object();
	json_int_t other = 0;
	size_t i;

	if (!out || !named)
		goto fail;
	json_array_foreach(json_object_get(facts, "suppliers"), i, s) {
		json_t *held = json_object_get(s, "held_s");

		if (p->role == KT_ROLE_INTEGRATOR) {
			if (json_object_set(named, json_string_value(json_object_get(s, "key")), held))
				goto fail;
		} else if (json_is_true(json_object_get(s, "name_to_customer"))) {
			if (json_object_set(named, json_string_value(json_object_get(s, "name")), held))
				goto fail;
		} else {
			other += json_integer_value(held);
		}
	}
	if (json_object_set_new(out, "suppliers", named))
		goto fail_out;
	if (p->role != KT_ROLE_INTEGRATOR &&
	    json_object_set_new(out, "other_suppliers", json_integer(other)))
		goto fail_out;
	return out;
fail:
	json_decref(named);
fail_out:
	json_decref(out);
	return NULL;
}

/* The facts of r's service ({id}) for r's period, for the integrator or
 * the service's customer: a new reference with svc, the period and the
 * format filled, or NULL with err. */
static json_t *service_facts(struct kt_db *db, const struct kt_request *r,
			     struct kt_store_entity *svc, long long *from, long long *to,
			     int *csv, struct kt_err *err)
{
	char f[KT_TIME_UTC_LEN], t[KT_TIME_UTC_LEN];

	if (query(r, from, to, csv, err) ||
	    kt_store_admin_find(db, KT_CHAIN_SERVICE, r->params[0], svc, err))
		return NULL;
	if (r->principal.role == KT_ROLE_CUSTOMER &&
	    strcmp(svc->customer_id, r->principal.customer_id) != 0) {
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such service");
		return NULL;
	}
	kt_time_format_utc(*from, f);
	kt_time_format_utc(*to, t);
	return kt_store_report_service(db, svc->id, f, t, err);
}

int kt_api_report_service(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct kt_store_entity svc;
	long long from, to;
	json_t *facts, *report, *avail;
	int csv;

	if (!(facts = service_facts(db, r, &svc, &from, &to, &csv, err)))
		return KT_ERR;
	if (!(avail = availability(facts, from, to, err))) {
		json_decref(facts);
		return KT_ERR;
	}
	report = report_head("service", &svc, from, to);
	if (report && (json_object_set_new(report, "availability", avail) ||
		       json_object_set_new(report, "compliance",
					   kt_report_compliance(json_object_get(facts, "compliance"))) ||
		       json_object_set_new(report, "breach_attribution",
					   attribution(facts, &r->principal)))) {
		json_decref(report);
		report = NULL;
	} else if (!report) {
		json_decref(avail);
	}
	json_decref(facts);
	return answer(r, report, csv, err);
}

/* One UTC day [from, from + 86400) of facts: a new {"from", "to",
 * "availability"} computed by availability() from the SLA and the outages
 * that overlap the day, or NULL with err. */
static json_t *service_day(const json_t *facts, long long from, struct kt_err *err)
{
	char f[KT_TIME_UTC_LEN], t[KT_TIME_UTC_LEN];
	const long long to = from + 86400;
	json_t *day = json_pack("{s:O, s:[]}", "sla", json_object_get(facts, "sla"), "outages");
	json_t *outages = json_object_get(day, "outages"), *pair, *avail, *out = NULL;
	size_t i;

	if (!day) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	json_array_foreach(json_object_get(facts, "outages"), i, pair)
		if (json_integer_value(json_array_get(pair, 0)) < to &&
		    json_integer_value(json_array_get(pair, 1)) > from)
			json_array_append(outages, pair);
	if ((avail = availability(day, from, to, err))) {
		kt_time_format_utc(from, f);
		kt_time_format_utc(to, t);
		out = json_pack("{s:s, s:s, s:o}", "from", f, "to", t, "availability", avail);
		if (!out)
			kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	json_decref(day);
	return out;
}

int kt_api_report_service_daily(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct kt_store_entity svc;
	long long from, to;
	json_t *facts, *report, *days;
	int csv;

	if (!(facts = service_facts(db, r, &svc, &from, &to, &csv, err)))
		return KT_ERR;
	if (csv) {
		json_decref(facts);
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_format",
				  "a daily series is JSON only");
	}
	if (from % 86400 || to % 86400 || to - from > REPORT_DAILY_MAX_DAYS * 86400LL) {
		json_decref(facts);
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_period",
				  "a daily series takes whole UTC days (from and to dates), "
				  "at most %d of them", REPORT_DAILY_MAX_DAYS);
	}
	report = report_head("service", &svc, from, to);
	days = json_array();
	for (long long d = from; report && days && d < to; d += 86400) {
		json_t *day = service_day(facts, d, err);

		if (!day || json_array_append_new(days, day)) {
			json_decref(facts);
			json_decref(report);
			json_decref(days);
			return kt_err_isset(err) ? KT_ERR
				: kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		}
	}
	json_decref(facts);
	if (report && days && json_object_set_new(report, "days", days) == 0)
		return answer(r, report, 0, err);
	json_decref(report);
	return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
}

int kt_api_report_supplier(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	char f[KT_TIME_UTC_LEN], t[KT_TIME_UTC_LEN];
	struct kt_store_entity sup;
	long long from, to;
	json_t *facts, *report;
	int csv;

	if (query(r, &from, &to, &csv, err) ||
	    kt_store_admin_find(db, KT_CHAIN_SUPPLIER, r->params[0], &sup, err))
		return KT_ERR;
	kt_time_format_utc(from, f);
	kt_time_format_utc(to, t);
	if (!(facts = kt_store_report_supplier(db, sup.id, f, t, err)))
		return KT_ERR;
	report = report_head("supplier", &sup, from, to);
	if (report && json_object_update(report, facts)) {
		json_decref(report);
		report = NULL;
	}
	json_decref(facts);
	return answer(r, report, csv, err);
}
