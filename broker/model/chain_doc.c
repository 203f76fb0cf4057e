/* chain_doc.c - the rules of the chain document (one member table per kind
 * of object) and the flat view a valid document gets. Pure: no database
 * and no globals; see model/chain_doc.h. */
#include <stdarg.h>

#include "base/buf.h"
#include "base/civil_time.h"
#include "base/config.h"
#include "base/netaddr.h"
#include "base/secret.h"
#include "base/utf8.h"
#include "keten/adapter.h"
#include "keten/model.h"
#include "model/chain_doc.h"
#include "model/chain_walk.h"

/* A user value fit for a message: at most 64 bytes, cut at a character
 * boundary and ended with "..." when longer. Returns buf. */
static const char *shown(char *buf, size_t size, const char *s)
{
	return kt_utf8_shown(buf, size, s, 64);
}

struct ctx {
	struct kt_err *err;
	struct kt_jptr path;               /* where the check is */
	size_t problems;                /* found so far, also those not kept */
	int oom;
	struct kt_chain_doc *doc;
	json_t *keys[KT_CHAIN_SERVICE + 1]; /* owned: key -> path of its entry;
					       services only in the document */
	size_t cap[KT_CHAIN_SERVICE + 1];   /* of doc's customers, suppliers, services */
	size_t refs_cap;
};

static void __attribute__((format(printf, 2, 3)))
problem(struct ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	c->problems++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kt_err_detail(c->err, c->path.buf, "%s", msg);
}

/* One member of an object: its name, whether it must be there, and the
 * check of its value (reports at c->path, which names the member; KT_ERR
 * when the value is wrong). */
struct member {
	const char *name;
	int required;
	int (*check)(struct ctx *c, json_t *v);
};

#define MAX_MEMBERS 12

static int want_string(struct ctx *c, json_t *v)
{
	if (json_is_string(v))
		return KT_OK;
	problem(c, "must be a string");
	return KT_ERR;
}

int kt_chain_key_valid(const char *s, size_t len)
{
	if (len == 0 || len > KT_CHAIN_KEY_MAX || s[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* A key, or a reference to one. */
static int check_key(struct ctx *c, json_t *v)
{
	char q[72];

	if (want_string(c, v))
		return KT_ERR;
	if (kt_chain_key_valid(json_string_value(v), json_string_length(v)))
		return KT_OK;
	problem(c, "invalid key \"%s\": use 1 to %d lower-case letters, digits "
		   "and hyphens, not starting with a hyphen",
		shown(q, sizeof(q), json_string_value(v)), KT_CHAIN_KEY_MAX);
	return KT_ERR;
}

static int check_name(struct ctx *c, json_t *v)
{
	if (want_string(c, v))
		return KT_ERR;
	if (json_string_length(v) == 0)
		problem(c, "must not be empty");
	else if (json_string_length(v) > KT_CHAIN_NAME_MAX)
		problem(c, "is longer than %d bytes", KT_CHAIN_NAME_MAX);
	else
		return KT_OK;
	return KT_ERR;
}

static int check_adapter(struct ctx *c, json_t *v)
{
	char q[72];

	if (want_string(c, v))
		return KT_ERR;
	if (kt_adapter_find(json_string_value(v)))
		return KT_OK;
	problem(c, "unknown adapter \"%s\"", shown(q, sizeof(q), json_string_value(v)));
	return KT_ERR;
}

/* Whether the https URL s names a user (or a password) before its host:
 * credentials travel through secret_ref, never in a URL. */
static int has_userinfo(const char *s)
{
	const char *host = s + 8;
	size_t end = strcspn(host, "/?#");

	return memchr(host, '@', end) != NULL;
}

static int check_endpoint(struct ctx *c, json_t *v)
{
	if (want_string(c, v))
		return KT_ERR;
	if (strncmp(json_string_value(v), "https://", 8) != 0)
		problem(c, "must be an https:// URL");
	else if (has_userinfo(json_string_value(v)))
		problem(c, "must not carry a user or password (user@host): put the "
			   "credential in a secret_ref");
	else if (json_string_length(v) > KT_CHAIN_ENDPOINT_MAX)
		problem(c, "is longer than %d bytes", KT_CHAIN_ENDPOINT_MAX);
	else
		return KT_OK;
	return KT_ERR;
}

static int valid_secret_ref(const char *s)
{
	if (strncmp(s, "env:" KT_SECRET_ENV_PREFIX, 4 + strlen(KT_SECRET_ENV_PREFIX)) == 0) {
		s += 4 + strlen(KT_SECRET_ENV_PREFIX);
		if (!*s)
			return 0;
		for (; *s; s++)
			if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') ||
			      (*s >= '0' && *s <= '9')))
				return 0;
		return 1;
	}
	if (strncmp(s, "file:/", 6) == 0) {
		s += 6;
		if (!*s)
			return 0;
		for (; *s; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				return 0;
		return 1;
	}
	return 0;
}

/* Where the supplier's secret is read from; the secret itself never is in
 * the document. */
static int check_secret_ref(struct ctx *c, json_t *v)
{
	if (want_string(c, v))
		return KT_ERR;
	if (valid_secret_ref(json_string_value(v)))
		return KT_OK;
	problem(c, "must be env:KETEN_SECRET_NAME (upper-case letters, digits and _) "
		   "or file:/absolute/path (a file directly in the node's secrets_dir)");
	return KT_ERR;
}

/* The ISM infrastructure paradigm's kinds of component. */
static const char *const kinds[] = {
	"hardware", "system_software", "network", "application", "data",
	"facilities", "people",
};

static int check_kind(struct ctx *c, json_t *v)
{
	size_t n = sizeof(kinds) / sizeof(kinds[0]);
	char q[72];

	if (want_string(c, v))
		return KT_ERR;
	for (size_t i = 0; i < n; i++)
		if (strcmp(json_string_value(v), kinds[i]) == 0)
			return KT_OK;
	problem(c, "unknown kind \"%s\": use hardware, system_software, network, "
		   "application, data, facilities or people",
		shown(q, sizeof(q), json_string_value(v)));
	return KT_ERR;
}

static int check_array(struct ctx *c, json_t *v)
{
	if (json_is_array(v))
		return KT_OK;
	problem(c, "must be an array");
	return KT_ERR;
}

static int check_components(struct ctx *c, json_t *v)
{
	if (check_array(c, v))
		return KT_ERR;
	if (json_array_size(v) > 0)
		return KT_OK;
	problem(c, "must list at least one component");
	return KT_ERR;
}

static int check_object(struct ctx *c, json_t *obj, const struct member *m,
			size_t n, json_t **vals);
static void claim_key(struct ctx *c, json_t *set, const char *member,
		      const char *key, const char *what);

/* An object checked against a member table, when no caller needs its
 * values. KT_ERR only when v is not an object. */
static int check_members(struct ctx *c, json_t *v, const struct member *m,
			 size_t n)
{
	json_t *vals[MAX_MEMBERS];

	return check_object(c, v, m, n, vals);
}

static int check_bool(struct ctx *c, json_t *v)
{
	if (json_is_boolean(v))
		return KT_OK;
	problem(c, "must be true or false");
	return KT_ERR;
}

/* Free-form data, such as a supplier's mapping, which its adapter reads. */
static int check_any_object(struct ctx *c, json_t *v)
{
	if (json_is_object(v))
		return KT_OK;
	problem(c, "must be an object");
	return KT_ERR;
}

/* A target of an agreement: a whole number of minutes, written without a
 * fraction (15, not 15.0), so that the database reads it as an integer. */
static int check_minutes(struct ctx *c, json_t *v)
{
	json_int_t n = json_integer_value(v);

	if (json_is_integer(v) && n >= 1 && n <= KT_CHAIN_MINUTES_MAX)
		return KT_OK;
	problem(c, "must be a whole number of minutes from 1 to %d",
		KT_CHAIN_MINUTES_MAX);
	return KT_ERR;
}

/* A list of keys (a component's alternates): each valid, none twice. */
static int check_key_list(struct ctx *c, json_t *v)
{
	json_t *seen, *k;
	size_t i, mark;

	if (check_array(c, v))
		return KT_ERR;
	if (!(seen = json_object())) {
		c->oom = 1;
		return KT_ERR;
	}
	json_array_foreach(v, i, k) {
		mark = kt_jptr_index(&c->path, i);
		if (check_key(c, k) == KT_OK)
			claim_key(c, seen, NULL, json_string_value(k), "supplier");
		kt_jptr_pop(&c->path, mark);
	}
	json_decref(seen);
	return KT_OK;
}

/* A component's configuration items; their uniqueness in the whole
 * service is checked with the tree. */
static int check_items(struct ctx *c, json_t *v)
{
	json_t *item;
	size_t i, mark;

	if (check_array(c, v))
		return KT_ERR;
	json_array_foreach(v, i, item) {
		mark = kt_jptr_index(&c->path, i);
		check_name(c, item);
		kt_jptr_pop(&c->path, mark);
	}
	return KT_OK;
}

/* A supplier's visibility settings; both default to true. */
enum { VI_NAME, VI_COMMENTS, VI__N };
static const struct member visibility_members[VI__N] = {
	[VI_NAME] = { "name_to_customer", 0, check_bool },
	[VI_COMMENTS] = { "public_comments_to_customer", 0, check_bool },
};

static int check_visibility(struct ctx *c, json_t *v)
{
	return check_members(c, v, visibility_members, VI__N);
}

/* One of a supplier's own delivery limits: a whole number within the
 * bounds of the node's setting of the same name (base/config.c), which it
 * replaces for this supplier. */
static int check_setting(struct ctx *c, json_t *v, const char *setting)
{
	json_int_t n = json_integer_value(v);
	long min = 0, max = 0;

	kt_config_bounds(setting, &min, &max);
	if (json_is_integer(v) && n >= min && n <= max)
		return KT_OK;
	problem(c, "must be a whole number from %ld to %ld (as the setting %s)",
		min, max, setting);
	return KT_ERR;
}

#define DELIVERY_CHECK(name)                                          \
	static int check_##name(struct ctx *c, json_t *v)             \
	{                                                             \
		return check_setting(c, v, "supplier_" #name);        \
	}
DELIVERY_CHECK(max_inflight)
DELIVERY_CHECK(connect_timeout_ms)
DELIVERY_CHECK(timeout_ms)
DELIVERY_CHECK(low_speed_bytes)
DELIVERY_CHECK(low_speed_time_s)
DELIVERY_CHECK(max_response_bytes)
DELIVERY_CHECK(retry_budget_s)
DELIVERY_CHECK(search_lag_ms)

/* The kinds of address beyond public ones a supplier's calls may connect
 * to (base/netaddr.h): each at most once. */
static int check_allow_addresses(struct ctx *c, json_t *v)
{
	unsigned seen = 0, bit;
	json_t *e;
	size_t i;

	if (check_array(c, v))
		return KT_ERR;
	json_array_foreach(v, i, e) {
		bit = kt_netaddr_allow_bit(json_string_value(e));
		if (!bit || (seen & bit)) {
			problem(c, "must list each of loopback, private and link-local "
				   "at most once");
			return KT_ERR;
		}
		seen |= bit;
	}
	return KT_OK;
}

/* A supplier's own delivery limits; each one left out is the node's. */
static const struct member delivery_members[] = {
	{ "allow_addresses", 0, check_allow_addresses },
	{ "max_inflight", 0, check_max_inflight },
	{ "connect_timeout_ms", 0, check_connect_timeout_ms },
	{ "timeout_ms", 0, check_timeout_ms },
	{ "low_speed_bytes", 0, check_low_speed_bytes },
	{ "low_speed_time_s", 0, check_low_speed_time_s },
	{ "max_response_bytes", 0, check_max_response_bytes },
	{ "retry_budget_s", 0, check_retry_budget_s },
	{ "search_lag_ms", 0, check_search_lag_ms },
};
#define N_DELIVERY (sizeof(delivery_members) / sizeof(delivery_members[0]))

static int check_delivery(struct ctx *c, json_t *v)
{
	return check_members(c, v, delivery_members, N_DELIVERY);
}

/* Per-priority targets: "p1" (highest) to "p5", each optional. */
#define PRIORITY_MEMBERS(check) {                                        \
	{ "p1", 0, check }, { "p2", 0, check }, { "p3", 0, check },      \
	{ "p4", 0, check }, { "p5", 0, check },                          \
}
#define N_PRIORITIES 5

/* An underpinning contract's target for one priority. */
static const struct member uc_target_members[] = {
	{ "acknowledge_min", 0, check_minutes },
	{ "resolve_min", 0, check_minutes },
};

static int check_uc_target(struct ctx *c, json_t *v)
{
	return check_members(c, v, uc_target_members, 2);
}

static const struct member uc_targets_members[N_PRIORITIES] =
	PRIORITY_MEMBERS(check_uc_target);

static int check_uc_targets(struct ctx *c, json_t *v)
{
	return check_members(c, v, uc_targets_members, N_PRIORITIES);
}

static int check_service_hours(struct ctx *c, json_t *v);

/* The share of a target at which a clock warns: a whole percentage. */
static int check_warning_pct(struct ctx *c, json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 99)
		return KT_OK;
	problem(c, "must be a whole percentage from 1 to 99");
	return KT_ERR;
}

enum { CT_KEY, CT_NAME, CT_HOURS, CT_WARNING, CT_TARGETS, CT__N };
static const struct member contract_members[CT__N] = {
	[CT_KEY] = { "key", 1, check_key },
	[CT_NAME] = { "name", 1, check_name },
	[CT_HOURS] = { "service_hours", 0, check_service_hours },
	[CT_WARNING] = { "warning_pct", 0, check_warning_pct },
	[CT_TARGETS] = { "targets", 0, check_uc_targets },
};

/* A supplier's underpinning contracts, keys unique within the supplier. */
static int check_contracts(struct ctx *c, json_t *v)
{
	json_t *keys, *ct, *vals[CT__N];
	size_t i, mark;

	if (check_array(c, v))
		return KT_ERR;
	if (!(keys = json_object())) {
		c->oom = 1;
		return KT_ERR;
	}
	json_array_foreach(v, i, ct) {
		mark = kt_jptr_index(&c->path, i);
		if (check_object(c, ct, contract_members, CT__N, vals) == KT_OK &&
		    vals[CT_KEY])
			claim_key(c, keys, "key", json_string_value(vals[CT_KEY]),
				  "contract");
		kt_jptr_pop(&c->path, mark);
	}
	json_decref(keys);
	return KT_OK;
}

/* The customer SLA's target for one priority. */
static const struct member sla_target_members[] = {
	{ "response_min", 0, check_minutes },
	{ "resolution_min", 0, check_minutes },
};

static int check_sla_target(struct ctx *c, json_t *v)
{
	return check_members(c, v, sla_target_members, 2);
}

static const struct member sla_targets_members[N_PRIORITIES] =
	PRIORITY_MEMBERS(check_sla_target);

static int check_sla_targets(struct ctx *c, json_t *v)
{
	return check_members(c, v, sla_targets_members, N_PRIORITIES);
}

static int tz_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-';
}

/* An IANA time zone name such as "Europe/Amsterdam": its shape only, so
 * that the verdict does not depend on this machine's zone files. */
static int check_timezone(struct ctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i;
	int ok;

	if (want_string(c, v))
		return KT_ERR;
	ok = len > 0 && len <= KT_CHAIN_TIMEZONE_MAX &&
	     ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) &&
	     s[len - 1] != '/';
	for (i = 1; ok && i < len; i++)
		ok = tz_char(s[i]) || (s[i] == '/' && s[i - 1] != '/');
	if (ok)
		return KT_OK;
	problem(c, "must be a time zone name such as \"Europe/Amsterdam\" (at most "
		   "%d characters)", KT_CHAIN_TIMEZONE_MAX);
	return KT_ERR;
}

static const char *const day_names[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

static int check_days(struct ctx *c, json_t *v)
{
	size_t i, d, mark, n = sizeof(day_names) / sizeof(day_names[0]);
	unsigned seen = 0;
	json_t *day;

	if (check_array(c, v))
		return KT_ERR;
	if (json_array_size(v) == 0) {
		problem(c, "must list at least one day");
		return KT_ERR;
	}
	json_array_foreach(v, i, day) {
		mark = kt_jptr_index(&c->path, i);
		for (d = 0; d < n && !(json_is_string(day) &&
				       strcmp(json_string_value(day), day_names[d]) == 0); d++)
			;
		if (d == n)
			problem(c, "must be mon, tue, wed, thu, fri, sat or sun");
		else if (seen & (1u << d))
			problem(c, "duplicate day \"%s\"", day_names[d]);
		seen |= d < n ? 1u << d : 0;
		kt_jptr_pop(&c->path, mark);
	}
	return KT_OK;
}

/* "HH:MM" from 00:00 to 23:59, and "24:00" when end_of_day is allowed. */
static int valid_clock(const char *s, size_t len, int end_of_day)
{
	if (len != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' ||
	    s[1] > '9' || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return 0;
	if (s[0] < '2' || s[1] < '4')
		return 1;
	return end_of_day && strcmp(s, "24:00") == 0;
}

static int check_clock(struct ctx *c, json_t *v, int end_of_day)
{
	if (want_string(c, v))
		return KT_ERR;
	if (valid_clock(json_string_value(v), json_string_length(v), end_of_day))
		return KT_OK;
	problem(c, "must be a time of day \"HH:MM\" from 00:00 to %s",
		end_of_day ? "24:00" : "23:59");
	return KT_ERR;
}

static int check_from(struct ctx *c, json_t *v)
{
	return check_clock(c, v, 0);
}

static int check_to(struct ctx *c, json_t *v)
{
	return check_clock(c, v, 1);
}

/* Holidays: real dates "YYYY-MM-DD", each once, at most
 * KT_CHAIN_HOLIDAYS_MAX. */
static int check_holidays(struct ctx *c, json_t *v)
{
	json_t *seen, *day;
	size_t i, mark;
	char q[72];

	if (check_array(c, v))
		return KT_ERR;
	if (json_array_size(v) > KT_CHAIN_HOLIDAYS_MAX) {
		problem(c, "lists more than %d holidays", KT_CHAIN_HOLIDAYS_MAX);
		return KT_ERR;
	}
	if (!(seen = json_object())) {
		c->oom = 1;
		return KT_ERR;
	}
	json_array_foreach(v, i, day) {
		const char *s = json_string_value(day);

		mark = kt_jptr_index(&c->path, i);
		if (!s || kt_civil_date_parse(s, NULL) != 0)
			problem(c, "must be a date \"YYYY-MM-DD\"");
		else if (json_object_get(seen, s))
			problem(c, "duplicate holiday \"%s\"", shown(q, sizeof(q), s));
		else if (json_object_set_new(seen, s, json_true()))
			c->oom = 1;
		kt_jptr_pop(&c->path, mark);
	}
	json_decref(seen);
	return KT_OK;
}

enum { HO_TIMEZONE, HO_DAYS, HO_FROM, HO_TO, HO_HOLIDAYS, HO__N };
static const struct member hours_members[HO__N] = {
	[HO_TIMEZONE] = { "timezone", 1, check_timezone },
	[HO_DAYS] = { "days", 1, check_days },
	[HO_FROM] = { "from", 1, check_from },
	[HO_TO] = { "to", 1, check_to },
	[HO_HOLIDAYS] = { "holidays", 0, check_holidays },
};

/* "24x7", or office hours: the same hours on each of the days listed. */
static int check_service_hours(struct ctx *c, json_t *v)
{
	json_t *vals[HO__N];
	size_t mark;

	if (json_is_string(v) && strcmp(json_string_value(v), "24x7") == 0)
		return KT_OK;
	if (!json_is_object(v)) {
		problem(c, "must be \"24x7\" or an object with timezone, days, from "
			   "and to");
		return KT_ERR;
	}
	check_object(c, v, hours_members, HO__N, vals);
	if (vals[HO_FROM] && vals[HO_TO] &&
	    strcmp(json_string_value(vals[HO_FROM]),
		   json_string_value(vals[HO_TO])) >= 0) {
		mark = kt_jptr_push(&c->path, "to");
		problem(c, "must be later than from");
		kt_jptr_pop(&c->path, mark);
	}
	return KT_OK;
}

static int check_availability(struct ctx *c, json_t *v)
{
	double pct = json_number_value(v);

	if (json_is_number(v) && pct > 0 && pct <= 100)
		return KT_OK;
	problem(c, "must be a percentage above 0 and at most 100");
	return KT_ERR;
}

static int check_ticket_type(struct ctx *c, json_t *v);

/* What counts as an outage in the service reports: ticket types and
 * priorities 1..5, each listed once; either left out: incident, 1. A
 * list of them: not empty, each item mapped by item to a bit of its own
 * (-1 after item named the problem), none twice. */
static int check_set(struct ctx *c, json_t *v, const char *what,
		     int (*item)(struct ctx *c, json_t *v))
{
	unsigned seen = 0;
	json_t *x;
	size_t i, mark;
	int bit;

	if (check_array(c, v))
		return KT_ERR;
	if (json_array_size(v) == 0)
		problem(c, "must list at least one %s", what);
	json_array_foreach(v, i, x) {
		mark = kt_jptr_index(&c->path, i);
		if ((bit = item(c, x)) >= 0 && (seen & (1u << bit)))
			problem(c, "duplicate %s", what);
		else if (bit >= 0)
			seen |= 1u << bit;
		kt_jptr_pop(&c->path, mark);
	}
	return KT_OK;
}

static int outage_type(struct ctx *c, json_t *v)
{
	enum kt_ticket_type t;

	if (check_ticket_type(c, v) != KT_OK ||
	    kt_ticket_type_parse(json_string_value(v), &t) != KT_OK)
		return -1;
	return (int)t;
}

static int outage_priority(struct ctx *c, json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 5)
		return (int)json_integer_value(v);
	problem(c, "must be a priority from 1 to 5");
	return -1;
}

static int check_outage_types(struct ctx *c, json_t *v)
{
	return check_set(c, v, "ticket type", outage_type);
}

static int check_outage_priorities(struct ctx *c, json_t *v)
{
	return check_set(c, v, "priority", outage_priority);
}

static const struct member outage_members[] = {
	{ "types", 0, check_outage_types },
	{ "priorities", 0, check_outage_priorities },
};

static int check_outage(struct ctx *c, json_t *v)
{
	return check_members(c, v, outage_members, 2);
}

/* Where the SLA's warnings and breaches are notified: the integrator's
 * own webhook, signed (Standard Webhooks) with the secret secret_ref
 * names; allow_addresses as a supplier's delivery has it. */
static const struct member notify_members[] = {
	{ "endpoint", 1, check_endpoint },
	{ "secret_ref", 1, check_secret_ref },
	{ "allow_addresses", 0, check_allow_addresses },
};

static int check_notify(struct ctx *c, json_t *v)
{
	return check_members(c, v, notify_members, 3);
}

/* The customer SLA: every member optional (service_hours: "24x7"; no
 * notify: warnings and breaches stay on the timeline). */
enum { SL_HOURS, SL_WARNING, SL_AVAILABILITY, SL_TARGETS, SL_OUTAGE, SL_NOTIFY, SL__N };
static const struct member sla_members[SL__N] = {
	[SL_HOURS] = { "service_hours", 0, check_service_hours },
	[SL_WARNING] = { "warning_pct", 0, check_warning_pct },
	[SL_AVAILABILITY] = { "availability_target", 0, check_availability },
	[SL_TARGETS] = { "targets", 0, check_sla_targets },
	[SL_OUTAGE] = { "outage", 0, check_outage },
	[SL_NOTIFY] = { "notify", 0, check_notify },
};

static int check_sla(struct ctx *c, json_t *v)
{
	return check_members(c, v, sla_members, SL__N);
}

static int check_ticket_type(struct ctx *c, json_t *v)
{
	enum kt_ticket_type t;
	char q[72];

	if (want_string(c, v))
		return KT_ERR;
	if (kt_ticket_type_parse(json_string_value(v), &t) == KT_OK)
		return KT_OK;
	problem(c, "unknown ticket type \"%s\": use incident, request, change or "
		   "problem", shown(q, sizeof(q), json_string_value(v)));
	return KT_ERR;
}

/* A routing rule; its component is checked against the tree. */
enum { RU_TYPE, RU_CATEGORY, RU_COMPONENT, RU__N };
static const struct member rule_members[RU__N] = {
	[RU_TYPE] = { "type", 0, check_ticket_type },
	[RU_CATEGORY] = { "category", 0, check_name },
	[RU_COMPONENT] = { "component", 1, check_key },
};

static int check_rules(struct ctx *c, json_t *v)
{
	json_t *rule;
	size_t i, mark;

	if (check_array(c, v))
		return KT_ERR;
	json_array_foreach(v, i, rule) {
		mark = kt_jptr_index(&c->path, i);
		if (check_members(c, rule, rule_members, RU__N) == KT_OK &&
		    !json_object_get(rule, "type") && !json_object_get(rule, "category"))
			problem(c, "a rule needs a type, a category or both");
		kt_jptr_pop(&c->path, mark);
	}
	return KT_OK;
}

/* The document's own members; each array is optional. */
enum { DOC_CUSTOMERS, DOC_SUPPLIERS, DOC_SERVICES, DOC__N };
static const struct member doc_members[DOC__N] = {
	[DOC_CUSTOMERS] = { "customers", 0, check_array },
	[DOC_SUPPLIERS] = { "suppliers", 0, check_array },
	[DOC_SERVICES] = { "services", 0, check_array },
};

/* The entries of the three lists have their key first. */
enum { CU_KEY, CU_NAME, CU__N };
static const struct member customer_members[CU__N] = {
	[CU_KEY] = { "key", 1, check_key },
	[CU_NAME] = { "name", 1, check_name },
};

/* How Keten authenticates to the supplier (dispatch/auth.h): kind, and
 * what that kind needs; every secret through a secret_ref (the entry's own
 * when left out). */
static const char *const auth_kinds[] = {
	"standard-webhooks", "basic", "bearer", "header", "oauth2-client-credentials",
};

static int check_auth_kind(struct ctx *c, json_t *v)
{
	for (size_t i = 0; json_is_string(v) && i < sizeof(auth_kinds) / sizeof(*auth_kinds); i++)
		if (strcmp(json_string_value(v), auth_kinds[i]) == 0)
			return KT_OK;
	problem(c, "must be one of standard-webhooks, basic, bearer, header, "
		   "oauth2-client-credentials");
	return KT_ERR;
}

/* A header name: a token of RFC 9110 (letters, digits, '-'), 1..64 bytes. */
static int check_header_name(struct ctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	for (size_t i = 0; s && i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			n = 0;
	if (n >= 1 && n <= 64)
		return KT_OK;
	problem(c, "must be a header name of 1 to 64 letters, digits and '-'");
	return KT_ERR;
}

enum { AU_KIND, AU_USERNAME, AU_HEADER, AU_SCHEME, AU_TOKEN_URL, AU_CLIENT_ID, AU_SCOPE,
       AU_SECRET_REF, AU__N };
static const struct member auth_members[AU__N] = {
	[AU_KIND] = { "kind", 1, check_auth_kind },
	[AU_USERNAME] = { "username", 0, check_name },
	[AU_HEADER] = { "header", 0, check_header_name },
	[AU_SCHEME] = { "scheme", 0, check_header_name },
	[AU_TOKEN_URL] = { "token_url", 0, check_endpoint },
	[AU_CLIENT_ID] = { "client_id", 0, check_name },
	[AU_SCOPE] = { "scope", 0, check_name },
	[AU_SECRET_REF] = { "secret_ref", 0, check_secret_ref },
};

/* The members each kind needs. */
static void check_auth_needs(struct ctx *c, json_t *v, json_t **vals)
{
	const char *kind = json_string_value(vals[AU_KIND]);

	if (!kind)
		return;
	if (strcmp(kind, "basic") == 0 && !json_object_get(v, "username"))
		problem(c, "kind basic needs a username");
	if (strcmp(kind, "header") == 0 && !json_object_get(v, "header"))
		problem(c, "kind header needs the header's name");
	if (strcmp(kind, "oauth2-client-credentials") == 0 &&
	    (!json_object_get(v, "token_url") || !json_object_get(v, "client_id")))
		problem(c, "kind oauth2-client-credentials needs token_url and client_id");
}

static int check_auth(struct ctx *c, json_t *v)
{
	json_t *vals[AU__N];

	if (check_object(c, v, auth_members, AU__N, vals))
		return KT_ERR;
	check_auth_needs(c, v, vals);
	return KT_OK;
}

/* How the supplier's pushes are checked: the secret (the entry's own
 * when left out) and, for basic auth, the user; and the callback, Keten's
 * inbound URL of the supplier as the supplier reaches it, which Keten
 * registers with a supplier that pushes to registered listeners. */
static const struct member inbound_members[] = {
	{ "secret_ref", 0, check_secret_ref },
	{ "username", 0, check_name },
	{ "callback", 0, check_endpoint },
};

static int check_inbound(struct ctx *c, json_t *v)
{
	return check_members(c, v, inbound_members, 3);
}

/* A whole number within [min, max]. */
static int check_range(struct ctx *c, json_t *v, json_int_t min, json_int_t max)
{
	if (json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max)
		return KT_OK;
	problem(c, "must be a whole number from %lld to %lld", (long long)min, (long long)max);
	return KT_ERR;
}

static int check_poll_interval(struct ctx *c, json_t *v)
{
	return check_range(c, v, 100, 86400000);
}

static int check_poll_overlap(struct ctx *c, json_t *v)
{
	return check_range(c, v, 0, 86400000);
}

static int check_poll_page(struct ctx *c, json_t *v)
{
	return check_range(c, v, 1, 1000);
}

/* Polling (dispatch/poll.h): present means the supplier is polled. */
static const struct member poll_members[] = {
	{ "interval_ms", 1, check_poll_interval },
	{ "overlap_ms", 0, check_poll_overlap },
	{ "page_size", 0, check_poll_page },
};

static int check_poll(struct ctx *c, json_t *v)
{
	return check_members(c, v, poll_members, 3);
}

enum { SU_KEY, SU_NAME, SU_ADAPTER, SU_ENDPOINT, SU_SECRET_REF, SU_VISIBILITY,
       SU_MAPPING, SU_CONTRACTS, SU_DELIVERY, SU_AUTH, SU_INBOUND, SU_POLL, SU__N };
static const struct member supplier_members[SU__N] = {
	[SU_KEY] = { "key", 1, check_key },
	[SU_NAME] = { "name", 1, check_name },
	[SU_ADAPTER] = { "adapter", 1, check_adapter },
	[SU_ENDPOINT] = { "endpoint", 1, check_endpoint },
	[SU_SECRET_REF] = { "secret_ref", 1, check_secret_ref },
	[SU_VISIBILITY] = { "visibility", 0, check_visibility },
	[SU_MAPPING] = { "mapping", 0, check_any_object },
	[SU_CONTRACTS] = { "contracts", 0, check_contracts },
	[SU_DELIVERY] = { "delivery", 0, check_delivery },
	[SU_AUTH] = { "auth", 0, check_auth },
	[SU_INBOUND] = { "inbound", 0, check_inbound },
	[SU_POLL] = { "poll", 0, check_poll },
};

/* default_component and the rules' components are checked against the
 * tree once the tree is known. */
enum { SV_KEY, SV_CUSTOMER, SV_NAME, SV_DEFAULT, SV_SLA, SV_RULES,
       SV_COMPONENTS, SV__N };
static const struct member service_members[SV__N] = {
	[SV_KEY] = { "key", 1, check_key },
	[SV_CUSTOMER] = { "customer", 1, check_key },
	[SV_NAME] = { "name", 1, check_name },
	[SV_DEFAULT] = { "default_component", 0, want_string },
	[SV_SLA] = { "sla", 0, check_sla },
	[SV_RULES] = { "rules", 0, check_rules },
	[SV_COMPONENTS] = { "components", 1, check_components },
};

/* A contract and alternates are checked against the suppliers, items
 * against the rest of the service, in check_component. */
enum { CO_KEY, CO_NAME, CO_KIND, CO_SUPPLIER, CO_CONTRACT, CO_ALTERNATES,
       CO_ITEMS, CO_CHILDREN, CO__N };
static const struct member component_members[CO__N] = {
	[CO_KEY] = { "key", 1, check_key },
	[CO_NAME] = { "name", 1, check_name },
	[CO_KIND] = { "kind", 1, check_kind },
	[CO_SUPPLIER] = { "supplier", 0, check_key },
	[CO_CONTRACT] = { "contract", 0, check_key },
	[CO_ALTERNATES] = { "alternates", 0, check_key_list },
	[CO_ITEMS] = { "items", 0, check_items },
	[CO_CHILDREN] = { "children", 0, check_array },
};

_Static_assert(SU__N <= MAX_MEMBERS && SV__N <= MAX_MEMBERS &&
	       CO__N <= MAX_MEMBERS && CU__N <= MAX_MEMBERS &&
	       DOC__N <= MAX_MEMBERS && VI__N <= MAX_MEMBERS &&
	       CT__N <= MAX_MEMBERS && HO__N <= MAX_MEMBERS &&
	       SL__N <= MAX_MEMBERS && RU__N <= MAX_MEMBERS &&
	       N_PRIORITIES <= MAX_MEMBERS && N_DELIVERY <= MAX_MEMBERS,
	       "raise MAX_MEMBERS");

/* Checks obj (at c->path) against a member table: an object, no unknown
 * member, every required member there, every member's value passing its
 * check. vals[i] gets member i when it is there and valid, else NULL.
 * KT_ERR only when obj is not an object. */
static int check_object(struct ctx *c, json_t *obj, const struct member *m,
			size_t n, json_t **vals)
{
	const char *name;
	json_t *v;
	size_t i, mark;

	for (i = 0; i < n; i++)
		vals[i] = NULL;
	if (!json_is_object(obj)) {
		problem(c, "must be an object");
		return KT_ERR;
	}
	json_object_foreach(obj, name, v) {
		for (i = 0; i < n && strcmp(name, m[i].name) != 0; i++)
			;
		if (i < n)
			continue;
		mark = kt_jptr_push(&c->path, name);
		problem(c, "unknown member");
		kt_jptr_pop(&c->path, mark);
	}
	for (i = 0; i < n; i++) {
		v = json_object_get(obj, m[i].name);
		mark = kt_jptr_push(&c->path, m[i].name);
		if (!v) {
			if (m[i].required)
				problem(c, "required member is missing");
		} else if (m[i].check(c, v) == KT_OK) {
			vals[i] = v;
		}
		kt_jptr_pop(&c->path, mark);
	}
	return KT_OK;
}

/* Records a key (or another value that must be unique in set) at c->path
 * + member (member NULL: at c->path). A second one is a problem. */
static void claim_key(struct ctx *c, json_t *set, const char *member,
		      const char *key, const char *what)
{
	size_t mark = member ? kt_jptr_push(&c->path, member) : c->path.len;
	json_t *first = json_object_get(set, key);
	char q[72];

	if (first)
		problem(c, "duplicate %s%s \"%s\" (first at %s)", what,
			member ? " key" : "", shown(q, sizeof(q), key),
			json_string_value(first));
	else if (json_object_set_new(set, key, json_string(c->path.buf)))
		c->oom = 1;
	kt_jptr_pop(&c->path, mark);
}

/* A customer or supplier key used at c->path + member (member NULL: at
 * c->path): fine when the document defines it, else a reference for the
 * store to resolve. With
 * contract, a reference to that contract of a supplier the document does
 * not define. */
static void use_ref(struct ctx *c, enum kt_chain_entity entity,
		    const char *member, const char *key, const char *contract)
{
	struct kt_chain_doc *doc = c->doc;
	struct kt_chain_ref *refs;
	size_t mark;

	if (!contract && json_object_get(c->keys[entity], key))
		return;
	refs = kt_array_grow(doc->refs, &c->refs_cap, doc->n_refs, sizeof(*refs));
	if (!refs) {
		c->oom = 1;
		return;
	}
	doc->refs = refs;
	mark = member ? kt_jptr_push(&c->path, member) : c->path.len;
	refs[doc->n_refs].entity = entity;
	refs[doc->n_refs].key = key;
	refs[doc->n_refs].contract = contract;
	refs[doc->n_refs].path = strdup(c->path.buf);
	kt_jptr_pop(&c->path, mark);
	if (!refs[doc->n_refs].path) {
		c->oom = 1;
		return;
	}
	doc->n_refs++;
}

/* Whether supplier (a document's supplier object) has a contract key. */
static int has_contract(json_t *supplier, const char *key)
{
	json_t *ct;
	size_t i;

	json_array_foreach(json_object_get(supplier, "contracts"), i, ct)
		if (json_is_string(json_object_get(ct, "key")) &&
		    strcmp(json_string_value(json_object_get(ct, "key")), key) == 0)
			return 1;
	return 0;
}

/* The document's supplier entry of key, or NULL. */
static json_t *doc_supplier(const struct kt_chain_doc *doc, const char *key)
{
	for (size_t i = 0; i < doc->n_suppliers; i++)
		if (strcmp(doc->suppliers[i].key, key) == 0)
			return doc->suppliers[i].obj;
	return NULL;
}

/* Where one service's component walk keeps its state. */
struct tree_check {
	struct ctx *c;
	struct kt_chain_service *svc;
	size_t cap;                     /* of svc->components */
	json_t *keys;                   /* owned: component key -> its path */
	json_t *items;                  /* owned: item name -> its path */
};

/* A component's contract, alternates and items, once its own members
 * passed check_object (v as check_object filled it). */
static void check_agreements(struct tree_check *t, json_t *node, json_t **v)
{
	struct ctx *c = t->c;
	const char *supplier = json_string_value(v[CO_SUPPLIER]);
	const char *contract = json_string_value(v[CO_CONTRACT]);
	json_t *sup, *k;
	size_t i, mark, item;
	char q[72], q2[72];

	mark = kt_jptr_push(&c->path, "contract");
	if (json_object_get(node, "contract") && !json_object_get(node, "supplier"))
		problem(c, "a component with a contract must name its supplier");
	else if (contract && supplier && (sup = doc_supplier(c->doc, supplier))) {
		if (!has_contract(sup, contract))
			problem(c, "unknown contract \"%s\": supplier \"%s\" has no "
				   "such contract", shown(q, sizeof(q), contract),
				shown(q2, sizeof(q2), supplier));
	} else if (contract && supplier && !json_object_get(c->keys[KT_CHAIN_SUPPLIER],
							    supplier)) {
		use_ref(c, KT_CHAIN_SUPPLIER, NULL, supplier, contract);
	}
	kt_jptr_pop(&c->path, mark);

	mark = kt_jptr_push(&c->path, "alternates");
	if (json_object_get(node, "alternates") && !json_object_get(node, "supplier"))
		problem(c, "a component with alternates must name its supplier");
	json_array_foreach(v[CO_ALTERNATES], i, k) {
		if (!kt_chain_key_valid(json_string_value(k), json_string_length(k)))
			continue;
		item = kt_jptr_index(&c->path, i);
		if (supplier && strcmp(supplier, json_string_value(k)) == 0)
			problem(c, "is the component's own supplier");
		else
			use_ref(c, KT_CHAIN_SUPPLIER, NULL, json_string_value(k), NULL);
		kt_jptr_pop(&c->path, item);
	}
	kt_jptr_pop(&c->path, mark);

	mark = kt_jptr_push(&c->path, "items");
	json_array_foreach(v[CO_ITEMS], i, k) {
		if (!json_is_string(k))
			continue;
		item = kt_jptr_index(&c->path, i);
		claim_key(c, t->items, NULL, json_string_value(k), "item");
		kt_jptr_pop(&c->path, item);
	}
	kt_jptr_pop(&c->path, mark);
}

static enum kt_walk_next check_component(void *arg, json_t *node, json_t *parent,
				      int depth, struct kt_jptr *path)
{
	struct tree_check *t = arg;
	struct ctx *c = t->c;
	struct kt_chain_service *svc = t->svc;
	struct kt_chain_component *comp;
	json_t *v[CO__N], *kids;
	size_t mark;

	(void)path; /* it is c->path */
	if (depth > KT_CHAIN_MAX_DEPTH) {
		problem(c, "components nest at most %d deep", KT_CHAIN_MAX_DEPTH);
		return KT_WALK_SKIP;
	}
	if (check_object(c, node, component_members, CO__N, v))
		return KT_WALK_SKIP;
	if (v[CO_KEY])
		claim_key(c, t->keys, "key", json_string_value(v[CO_KEY]),
			  "component");
	if (v[CO_SUPPLIER])
		use_ref(c, KT_CHAIN_SUPPLIER, "supplier",
			json_string_value(v[CO_SUPPLIER]), NULL);
	check_agreements(t, node, v);
	kids = json_object_get(node, "children");
	if (!json_object_get(node, "supplier") &&
	    (!kids || (json_is_array(kids) && json_array_size(kids) == 0))) {
		mark = kt_jptr_push(&c->path, "supplier");
		problem(c, "a component without children must name a supplier");
		kt_jptr_pop(&c->path, mark);
	}
	comp = kt_array_grow(svc->components, &t->cap, svc->n_components, sizeof(*comp));
	if (!comp) {
		c->oom = 1;
		return KT_WALK_STOP;
	}
	svc->components = comp;
	comp[svc->n_components++] = (struct kt_chain_component){
		.obj = node,
		.key = json_string_value(v[CO_KEY]),
		.name = json_string_value(v[CO_NAME]),
		.kind = json_string_value(v[CO_KIND]),
		.supplier = json_string_value(v[CO_SUPPLIER]),
		.contract = json_string_value(v[CO_CONTRACT]),
		.alternates = v[CO_ALTERNATES],
		.items = v[CO_ITEMS],
		.parent_key = json_string_value(json_object_get(parent, "key")),
		.depth = depth,
	};
	return c->oom ? KT_WALK_STOP : KT_WALK_DESCEND;
}

/* Every rule's component must be one of the service's (keys: key -> path). */
static void check_rule_components(struct ctx *c, json_t *rules, json_t *keys)
{
	size_t i, mark, item;
	json_t *rule, *comp;
	char q[72];

	mark = kt_jptr_push(&c->path, "rules");
	json_array_foreach(rules, i, rule) {
		comp = json_object_get(rule, "component");
		if (!kt_chain_key_valid(json_string_value(comp), json_string_length(comp)) ||
		    json_object_get(keys, json_string_value(comp)))
			continue;
		item = kt_jptr_index(&c->path, i);
		kt_jptr_push(&c->path, "component");
		problem(c, "unknown component \"%s\": a rule must name a component "
			   "of this service", shown(q, sizeof(q), json_string_value(comp)));
		kt_jptr_pop(&c->path, item);
	}
	kt_jptr_pop(&c->path, mark);
}

/* The ticket types e's adapter takes with e's mapping (the ISM rule: each
 * type goes to the supplier's own entry for that process, or nowhere). */
static void supplier_types(struct kt_chain_entry *e)
{
	const struct kt_adapter *a =
		kt_adapter_find(json_string_value(json_object_get(e->obj, "adapter")));
	const json_t *mapping = json_object_get(e->obj, "mapping");
	size_t len = 0;

	e->ticket_types[0] = '\0';
	if (!a || !a->accepts_type)
		return;
	len += (size_t)snprintf(e->ticket_types, sizeof(e->ticket_types), "{");
	for (int t = 0; t < KT_TYPE__COUNT; t++)
		if (a->accepts_type(mapping, (enum kt_ticket_type)t))
			len += (size_t)snprintf(e->ticket_types + len, sizeof(e->ticket_types) - len,
						"%s%s", len > 1 ? "," : "",
						kt_ticket_type_name((enum kt_ticket_type)t));
	snprintf(e->ticket_types + len, sizeof(e->ticket_types) - len, "}");
}

/* The rest of a service once its own members passed check_object. */
static void check_service(struct ctx *c, json_t *obj, json_t **v)
{
	struct kt_chain_doc *doc = c->doc;
	struct kt_chain_service *svc;
	struct tree_check t = { .c = c };
	size_t mark;
	char q[72];

	svc = kt_array_grow(doc->services, &c->cap[KT_CHAIN_SERVICE], doc->n_services,
			    sizeof(*svc));
	if (!svc) {
		c->oom = 1;
		return;
	}
	doc->services = svc;
	svc += doc->n_services++;
	*svc = (struct kt_chain_service){
		.obj = obj,
		.key = json_string_value(v[SV_KEY]),
		.customer = json_string_value(v[SV_CUSTOMER]),
		.name = json_string_value(v[SV_NAME]),
		.default_component = json_string_value(v[SV_DEFAULT]),
		.sla = v[SV_SLA],
		.rules = v[SV_RULES],
	};
	if (svc->customer)
		use_ref(c, KT_CHAIN_CUSTOMER, "customer", svc->customer, NULL);
	if (!v[SV_COMPONENTS])
		return;
	t.svc = svc;
	t.keys = json_object();
	t.items = json_object();
	if (!t.keys || !t.items) {
		c->oom = 1;
		goto out;
	}
	mark = kt_jptr_push(&c->path, "components");
	kt_chain_walk(v[SV_COMPONENTS], NULL, 1, &c->path, check_component, &t);
	kt_jptr_pop(&c->path, mark);
	check_rule_components(c, svc->rules, t.keys);
	if (svc->default_component &&
	    !json_object_get(t.keys, svc->default_component)) {
		mark = kt_jptr_push(&c->path, "default_component");
		problem(c, "unknown component \"%s\": default_component must name "
			   "a component of this service",
			shown(q, sizeof(q), svc->default_component));
		kt_jptr_pop(&c->path, mark);
	}
out:
	json_decref(t.keys);
	json_decref(t.items);
}

static void add_entry(struct ctx *c, enum kt_chain_entity entity, json_t *obj,
		      const char *key)
{
	struct kt_chain_doc *doc = c->doc;
	struct kt_chain_entry **arr = entity == KT_CHAIN_CUSTOMER ? &doc->customers
								  : &doc->suppliers;
	size_t *n = entity == KT_CHAIN_CUSTOMER ? &doc->n_customers
						: &doc->n_suppliers;
	struct kt_chain_entry *p = kt_array_grow(*arr, &c->cap[entity], *n, sizeof(**arr));

	if (!p) {
		c->oom = 1;
		return;
	}
	*arr = p;
	p[(*n)++] = (struct kt_chain_entry){ .obj = obj, .key = key };
	if (entity == KT_CHAIN_SUPPLIER)
		supplier_types(&p[*n - 1]);
}

/* One of the document's three lists. */
struct list_rule {
	const char *member;             /* "customers" */
	const char *what;               /* "customer", for messages */
	enum kt_chain_entity entity;
	const struct member *members;   /* members[0] is the key */
	size_t n_members;
};

static const struct list_rule lists[DOC__N] = {
	[DOC_CUSTOMERS] = { "customers", "customer", KT_CHAIN_CUSTOMER,
			    customer_members, CU__N },
	[DOC_SUPPLIERS] = { "suppliers", "supplier", KT_CHAIN_SUPPLIER,
			    supplier_members, SU__N },
	[DOC_SERVICES] = { "services", "service", KT_CHAIN_SERVICE,
			   service_members, SV__N },
};

const char *kt_chain_doc_member(enum kt_chain_entity entity, size_t i)
{
	for (size_t l = 0; l < DOC__N; l++)
		if (lists[l].entity == entity)
			return i < lists[l].n_members ? lists[l].members[i].name : NULL;
	return NULL;
}

/* What the supplier's adapter says of the entry: its mapping, checked by
 * the adapter (each of its problems under /mapping), polling only where
 * the adapter can poll, a hub callback only where it takes subscriptions. */
static void check_supplier(struct ctx *c, json_t **v)
{
	const struct kt_adapter *a = kt_adapter_find(json_string_value(v[SU_ADAPTER]));
	struct kt_err e = { 0 };
	size_t mark, i;
	json_t *d;

	if (!a)
		return;
	if (v[SU_POLL] && !a->poll_feeds) {
		mark = kt_jptr_push(&c->path, "poll");
		problem(c, "adapter %s cannot be polled", a->name);
		kt_jptr_pop(&c->path, mark);
	}
	if (json_object_get(v[SU_INBOUND], "callback") && !a->build_subscribe) {
		mark = kt_jptr_append(&c->path, "/inbound/callback");
		problem(c, "adapter %s takes no hub subscription", a->name);
		kt_jptr_pop(&c->path, mark);
	}
	if (a->check_mapping(v[SU_MAPPING], &e) == KT_OK)
		return;
	mark = kt_jptr_push(&c->path, "mapping");
	if (!json_array_size(e.details))
		problem(c, "%s", e.message);
	json_array_foreach(e.details, i, d) {
		const char *sub = json_string_value(json_object_get(d, "path"));
		size_t len = kt_jptr_append(&c->path, sub ? sub : "");

		problem(c, "%s", json_string_value(json_object_get(d, "message")));
		kt_jptr_pop(&c->path, len);
	}
	kt_jptr_pop(&c->path, mark);
	kt_err_release(&e);
}

static void check_list(struct ctx *c, const struct list_rule *rule, json_t *arr)
{
	json_t *obj, *v[MAX_MEMBERS];
	size_t i, mark, item;

	mark = kt_jptr_push(&c->path, rule->member);
	json_array_foreach(arr, i, obj) {
		item = kt_jptr_index(&c->path, i);
		if (check_object(c, obj, rule->members, rule->n_members, v) == KT_OK) {
			if (v[0])
				claim_key(c, c->keys[rule->entity], "key",
					  json_string_value(v[0]), rule->what);
			if (rule->entity == KT_CHAIN_SUPPLIER)
				check_supplier(c, v);
			if (rule->entity == KT_CHAIN_SERVICE)
				check_service(c, obj, v);
			else if (v[0])
				add_entry(c, rule->entity, obj,
					  json_string_value(v[0]));
		}
		kt_jptr_pop(&c->path, item);
		if (c->oom)
			break;
	}
	kt_jptr_pop(&c->path, mark);
}

int kt_chain_doc_check(json_t *root, struct kt_chain_doc **out,
		       struct kt_err *err)
{
	struct ctx c = { .err = err };
	json_t *v[DOC__N];
	int rc = KT_ERR;
	size_t i;

	*out = NULL;
	c.doc = calloc(1, sizeof(*c.doc));
	for (i = 0; i < DOC__N; i++)
		if (!(c.keys[i] = json_object()))
			c.oom = 1;
	if (!c.doc || c.oom)
		goto oom;
	/* Lists in this order whatever the document's order: services
	 * refer to the customers and suppliers defined before them. */
	if (check_object(&c, root, doc_members, DOC__N, v) == KT_OK)
		for (i = 0; i < DOC__N && !c.oom; i++)
			check_list(&c, &lists[i], v[i]);
	if (c.oom)
		goto oom;
	if (c.problems > 0) {
		kt_err_set(err, KT_EC_INVALID, "invalid_chain",
			   "invalid chain document: %zu problem(s)", c.problems);
		goto fail;
	}
	c.doc->root = json_incref(root);
	*out = c.doc;
	c.doc = NULL;
	rc = KT_OK;
	goto out;
oom:
	kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
fail:
	kt_chain_doc_free(c.doc);
out:
	for (i = 0; i < DOC__N; i++)
		json_decref(c.keys[i]);
	return rc;
}

int kt_chain_doc_parse(const char *buf, size_t len, struct kt_chain_doc **out,
		       struct kt_err *err)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	*out = NULL;
	if (len > KT_CHAIN_DOC_MAX_BYTES)
		return kt_err_set(err, KT_EC_TOO_LARGE, "document_too_large",
				  "chain document is larger than %d MiB",
				  KT_CHAIN_DOC_MAX_BYTES / (1024 * 1024));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_json",
				  "invalid JSON at line %d, column %d: %s",
				  jerr.line, jerr.column, jerr.text);
	rc = kt_chain_doc_check(root, out, err);
	json_decref(root);
	return rc;
}

void kt_chain_doc_free(struct kt_chain_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->n_services; i++)
		free(doc->services[i].components);
	for (i = 0; i < doc->n_refs; i++)
		free(doc->refs[i].path);
	free(doc->customers);
	free(doc->suppliers);
	free(doc->services);
	free(doc->refs);
	json_decref(doc->root);
	free(doc);
}
