/* chain_doc.c - the rules of the chain document (one member table per kind
 * of object), the flat view a valid document gets, the comparison of a
 * service's chain with a stored version, and the import plan. Pure: no
 * database and no globals; see model/chain_doc.h. */
#include <stdarg.h>

#include "model/chain_doc.h"
#include "base/config.h"
#include "keten/adapter.h"
#include "keten/model.h"

/* ---- JSON pointers ------------------------------------------------- */

#define PATH_BYTES 1024

/* A JSON pointer under construction. A segment that does not fit is cut at
 * a character boundary and ends in "..."; later segments are then dropped. */
struct jptr {
	char buf[PATH_BYTES];
	size_t len;
};

/* Appends "/" and seg (escaped: ~ as ~0, / as ~1). Returns the length to
 * hand back to jptr_pop. */
static size_t jptr_push(struct jptr *p, const char *seg)
{
	const size_t end = sizeof(p->buf) - sizeof("...");
	size_t mark = p->len;
	const char *s = seg;

	if (p->len >= end)
		return mark;
	p->buf[p->len++] = '/';
	for (; *s && p->len + 2 <= end; s++) {
		if (*s == '~' || *s == '/') {
			p->buf[p->len++] = '~';
			p->buf[p->len++] = *s == '~' ? '0' : '1';
		} else {
			p->buf[p->len++] = *s;
		}
	}
	if (*s) {
		/* Drop a partly copied UTF-8 character so the path stays text. */
		while (p->len > mark + 1 &&
		       ((unsigned char)p->buf[p->len - 1] & 0xC0) == 0x80)
			p->len--;
		if (p->len > mark + 1 && (unsigned char)p->buf[p->len - 1] >= 0xC0)
			p->len--;
		memcpy(p->buf + p->len, "...", 3);
		p->len += 3;
	}
	p->buf[p->len] = '\0';
	return mark;
}

static size_t jptr_index(struct jptr *p, size_t i)
{
	char num[24];

	snprintf(num, sizeof(num), "%zu", i);
	return jptr_push(p, num);
}

static void jptr_pop(struct jptr *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

/* ---- the walk over a component tree -------------------------------- */

enum walk_next { WALK_DESCEND, WALK_SKIP, WALK_STOP };

/* Sees one node (any JSON value) of a component tree; parent is NULL for a
 * root component; path points at the node. */
typedef enum walk_next (*visit_fn)(void *arg, json_t *node,
					    json_t *parent, int depth,
					    struct jptr *path);

/* Visits every element of tree (an array; anything else has no elements)
 * in document order, and the elements of its "children" arrays when the
 * visitor says so. Both the checks and the comparison walk trees this way;
 * their visitors stop descending past KT_CHAIN_MAX_DEPTH, which bounds the
 * recursion. KT_ERR when a visitor said stop. */
static int walk_tree(json_t *tree, json_t *parent, int depth, struct jptr *path,
		     visit_fn visit, void *arg)
{
	size_t i, mark, kids_mark;
	json_t *node, *kids;
	enum walk_next next;
	int rc = KT_OK;

	json_array_foreach(tree, i, node) {
		mark = jptr_index(path, i);
		next = visit(arg, node, parent, depth, path);
		kids = json_object_get(node, "children");
		if (next == WALK_STOP) {
			rc = KT_ERR;
		} else if (next == WALK_DESCEND && json_is_array(kids)) {
			kids_mark = jptr_push(path, "children");
			rc = walk_tree(kids, node, depth + 1, path, visit, arg);
			jptr_pop(path, kids_mark);
		}
		jptr_pop(path, mark);
		if (rc != KT_OK)
			break;
	}
	return rc;
}

/* ---- small helpers ------------------------------------------------- */

/* Makes room for element n of an array of size-byte elements with *cap
 * allocated. Returns the (maybe moved) array, or NULL with arr untouched. */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t want;
	void *p;

	if (n < *cap)
		return arr;
	want = *cap ? *cap * 2 : 8;
	if (want > (size_t)-1 / size)
		return NULL;
	p = realloc(arr, want * size);
	if (p)
		*cap = want;
	return p;
}

/* A user value fit for a message: at most 64 bytes, cut at a character
 * boundary and ended with "..." when longer. Returns buf. */
static const char *shown(char *buf, size_t size, const char *s)
{
	size_t len = strlen(s), max = size - sizeof("...");

	if (max > 64)
		max = 64;
	if (len <= max) {
		snprintf(buf, size, "%s", s);
		return buf;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	snprintf(buf, size, "%.*s...", (int)max, s);
	return buf;
}

/* A growing ", "-separated list of words, for the change summaries. */
struct words {
	char *s;      /* owned; NULL until the first word */
	size_t len;
	size_t cap;
	int oom;
};

static void words_add(struct words *w, const char *prefix, const char *word)
{
	size_t sep = w->len ? 2 : 0, plen = strlen(prefix), wlen = strlen(word);
	size_t need = w->len + sep + plen + wlen + 1;
	char *p;

	if (w->oom)
		return;
	if (need > w->cap) {
		p = realloc(w->s, need * 2);
		if (!p) {
			w->oom = 1;
			return;
		}
		w->s = p;
		w->cap = need * 2;
	}
	memcpy(w->s + w->len, ", ", sep);
	memcpy(w->s + w->len + sep, prefix, plen);
	memcpy(w->s + w->len + sep + plen, word, wlen + 1);
	w->len += sep + plen + wlen;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds prefix + each member name of set to w, in byte order. */
static void words_add_sorted(struct words *w, const char *prefix, json_t *set)
{
	size_t n = json_object_size(set), i = 0;
	const char **names;
	const char *name;
	json_t *v;

	if (n == 0)
		return;
	names = malloc(n * sizeof(*names));
	if (!names) {
		w->oom = 1;
		return;
	}
	json_object_foreach(set, name, v)
		names[i++] = name;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		words_add(w, prefix, names[i]);
	free(names);
}

static int skipped(const char *name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (strcmp(name, *skip) == 0)
			return 1;
	return 0;
}

/* Counts the members of a or b (objects, or NULL for none) not in skip whose
 * values differ, and puts their names in set when set is not NULL. */
static size_t differing_members(json_t *a, json_t *b, const char *const *skip,
				json_t *set, int *oom)
{
	const char *name;
	json_t *v;
	size_t n = 0;

	json_object_foreach(a, name, v) {
		if (skipped(name, skip) || json_equal(v, json_object_get(b, name)))
			continue;
		n++;
		if (set && json_object_set_new(set, name, json_true()))
			*oom = 1;
	}
	json_object_foreach(b, name, v) {
		if (skipped(name, skip) || json_object_get(a, name))
			continue;
		n++;
		if (set && json_object_set_new(set, name, json_true()))
			*oom = 1;
	}
	return n;
}

/* ---- checking a document ------------------------------------------- */

struct ctx {
	struct kt_err *err;
	struct jptr path;               /* where the check is */
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

	if (c->problems++ >= KT_CHAIN_MAX_PROBLEMS)
		return;
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

#define MAX_MEMBERS 9

static int want_string(struct ctx *c, json_t *v)
{
	if (json_is_string(v))
		return KT_OK;
	problem(c, "must be a string");
	return KT_ERR;
}

static int valid_key(const char *s, size_t len)
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
	if (valid_key(json_string_value(v), json_string_length(v)))
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

static int check_endpoint(struct ctx *c, json_t *v)
{
	if (want_string(c, v))
		return KT_ERR;
	if (strncmp(json_string_value(v), "https://", 8) != 0)
		problem(c, "must be an https:// URL");
	else if (json_string_length(v) > KT_CHAIN_ENDPOINT_MAX)
		problem(c, "is longer than %d bytes", KT_CHAIN_ENDPOINT_MAX);
	else
		return KT_OK;
	return KT_ERR;
}

static int valid_secret_ref(const char *s)
{
	if (strncmp(s, "env:", 4) == 0) {
		s += 4;
		if (!(*s == '_' || (*s >= 'A' && *s <= 'Z')))
			return 0;
		for (s++; *s; s++)
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
	problem(c, "must be env:NAME (upper-case letters, digits and _, not "
		   "starting with a digit) or file:/absolute/path");
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
		mark = jptr_index(&c->path, i);
		if (check_key(c, k) == KT_OK)
			claim_key(c, seen, NULL, json_string_value(k), "supplier");
		jptr_pop(&c->path, mark);
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
		mark = jptr_index(&c->path, i);
		check_name(c, item);
		jptr_pop(&c->path, mark);
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

/* A supplier's own delivery limits; each one left out is the node's. */
static const struct member delivery_members[] = {
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

enum { CT_KEY, CT_NAME, CT_TARGETS, CT__N };
static const struct member contract_members[CT__N] = {
	[CT_KEY] = { "key", 1, check_key },
	[CT_NAME] = { "name", 1, check_name },
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
		mark = jptr_index(&c->path, i);
		if (check_object(c, ct, contract_members, CT__N, vals) == KT_OK &&
		    vals[CT_KEY])
			claim_key(c, keys, "key", json_string_value(vals[CT_KEY]),
				  "contract");
		jptr_pop(&c->path, mark);
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
		mark = jptr_index(&c->path, i);
		for (d = 0; d < n && !(json_is_string(day) &&
				       strcmp(json_string_value(day), day_names[d]) == 0); d++)
			;
		if (d == n)
			problem(c, "must be mon, tue, wed, thu, fri, sat or sun");
		else if (seen & (1u << d))
			problem(c, "duplicate day \"%s\"", day_names[d]);
		seen |= d < n ? 1u << d : 0;
		jptr_pop(&c->path, mark);
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

enum { HO_TIMEZONE, HO_DAYS, HO_FROM, HO_TO, HO__N };
static const struct member hours_members[HO__N] = {
	[HO_TIMEZONE] = { "timezone", 1, check_timezone },
	[HO_DAYS] = { "days", 1, check_days },
	[HO_FROM] = { "from", 1, check_from },
	[HO_TO] = { "to", 1, check_to },
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
		mark = jptr_push(&c->path, "to");
		problem(c, "must be later than from");
		jptr_pop(&c->path, mark);
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

/* The customer SLA: every member optional (service_hours: "24x7"). */
enum { SL_HOURS, SL_AVAILABILITY, SL_TARGETS, SL__N };
static const struct member sla_members[SL__N] = {
	[SL_HOURS] = { "service_hours", 0, check_service_hours },
	[SL_AVAILABILITY] = { "availability_target", 0, check_availability },
	[SL_TARGETS] = { "targets", 0, check_sla_targets },
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
		mark = jptr_index(&c->path, i);
		if (check_members(c, rule, rule_members, RU__N) == KT_OK &&
		    !json_object_get(rule, "type") && !json_object_get(rule, "category"))
			problem(c, "a rule needs a type, a category or both");
		jptr_pop(&c->path, mark);
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

enum { SU_KEY, SU_NAME, SU_ADAPTER, SU_ENDPOINT, SU_SECRET_REF, SU_VISIBILITY,
       SU_MAPPING, SU_CONTRACTS, SU_DELIVERY, SU__N };
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
		mark = jptr_push(&c->path, name);
		problem(c, "unknown member");
		jptr_pop(&c->path, mark);
	}
	for (i = 0; i < n; i++) {
		v = json_object_get(obj, m[i].name);
		mark = jptr_push(&c->path, m[i].name);
		if (!v) {
			if (m[i].required)
				problem(c, "required member is missing");
		} else if (m[i].check(c, v) == KT_OK) {
			vals[i] = v;
		}
		jptr_pop(&c->path, mark);
	}
	return KT_OK;
}

/* Records a key (or another value that must be unique in set) at c->path
 * + member (member NULL: at c->path). A second one is a problem. */
static void claim_key(struct ctx *c, json_t *set, const char *member,
		      const char *key, const char *what)
{
	size_t mark = member ? jptr_push(&c->path, member) : c->path.len;
	json_t *first = json_object_get(set, key);
	char q[72];

	if (first)
		problem(c, "duplicate %s%s \"%s\" (first at %s)", what,
			member ? " key" : "", shown(q, sizeof(q), key),
			json_string_value(first));
	else if (json_object_set_new(set, key, json_string(c->path.buf)))
		c->oom = 1;
	jptr_pop(&c->path, mark);
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
	refs = grow(doc->refs, &c->refs_cap, doc->n_refs, sizeof(*refs));
	if (!refs) {
		c->oom = 1;
		return;
	}
	doc->refs = refs;
	mark = member ? jptr_push(&c->path, member) : c->path.len;
	refs[doc->n_refs].entity = entity;
	refs[doc->n_refs].key = key;
	refs[doc->n_refs].contract = contract;
	refs[doc->n_refs].path = strdup(c->path.buf);
	jptr_pop(&c->path, mark);
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

	mark = jptr_push(&c->path, "contract");
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
	jptr_pop(&c->path, mark);

	mark = jptr_push(&c->path, "alternates");
	if (json_object_get(node, "alternates") && !json_object_get(node, "supplier"))
		problem(c, "a component with alternates must name its supplier");
	json_array_foreach(v[CO_ALTERNATES], i, k) {
		if (!valid_key(json_string_value(k), json_string_length(k)))
			continue;
		item = jptr_index(&c->path, i);
		if (supplier && strcmp(supplier, json_string_value(k)) == 0)
			problem(c, "is the component's own supplier");
		else
			use_ref(c, KT_CHAIN_SUPPLIER, NULL, json_string_value(k), NULL);
		jptr_pop(&c->path, item);
	}
	jptr_pop(&c->path, mark);

	mark = jptr_push(&c->path, "items");
	json_array_foreach(v[CO_ITEMS], i, k) {
		if (!json_is_string(k))
			continue;
		item = jptr_index(&c->path, i);
		claim_key(c, t->items, NULL, json_string_value(k), "item");
		jptr_pop(&c->path, item);
	}
	jptr_pop(&c->path, mark);
}

static enum walk_next check_component(void *arg, json_t *node, json_t *parent,
				      int depth, struct jptr *path)
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
		return WALK_SKIP;
	}
	if (check_object(c, node, component_members, CO__N, v))
		return WALK_SKIP;
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
		mark = jptr_push(&c->path, "supplier");
		problem(c, "a component without children must name a supplier");
		jptr_pop(&c->path, mark);
	}
	comp = grow(svc->components, &t->cap, svc->n_components, sizeof(*comp));
	if (!comp) {
		c->oom = 1;
		return WALK_STOP;
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
	return c->oom ? WALK_STOP : WALK_DESCEND;
}

/* Every rule's component must be one of the service's (keys: key -> path). */
static void check_rule_components(struct ctx *c, json_t *rules, json_t *keys)
{
	size_t i, mark, item;
	json_t *rule, *comp;
	char q[72];

	mark = jptr_push(&c->path, "rules");
	json_array_foreach(rules, i, rule) {
		comp = json_object_get(rule, "component");
		if (!valid_key(json_string_value(comp), json_string_length(comp)) ||
		    json_object_get(keys, json_string_value(comp)))
			continue;
		item = jptr_index(&c->path, i);
		jptr_push(&c->path, "component");
		problem(c, "unknown component \"%s\": a rule must name a component "
			   "of this service", shown(q, sizeof(q), json_string_value(comp)));
		jptr_pop(&c->path, item);
	}
	jptr_pop(&c->path, mark);
}

/* The rest of a service once its own members passed check_object. */
static void check_service(struct ctx *c, json_t *obj, json_t **v)
{
	struct kt_chain_doc *doc = c->doc;
	struct kt_chain_service *svc;
	struct tree_check t = { .c = c };
	size_t mark;
	char q[72];

	svc = grow(doc->services, &c->cap[KT_CHAIN_SERVICE], doc->n_services,
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
	mark = jptr_push(&c->path, "components");
	walk_tree(v[SV_COMPONENTS], NULL, 1, &c->path, check_component, &t);
	jptr_pop(&c->path, mark);
	check_rule_components(c, svc->rules, t.keys);
	if (svc->default_component &&
	    !json_object_get(t.keys, svc->default_component)) {
		mark = jptr_push(&c->path, "default_component");
		problem(c, "unknown component \"%s\": default_component must name "
			   "a component of this service",
			shown(q, sizeof(q), svc->default_component));
		jptr_pop(&c->path, mark);
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
	struct kt_chain_entry *p = grow(*arr, &c->cap[entity], *n, sizeof(**arr));

	if (!p) {
		c->oom = 1;
		return;
	}
	*arr = p;
	p[(*n)++] = (struct kt_chain_entry){ .obj = obj, .key = key };
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

static void check_list(struct ctx *c, const struct list_rule *rule, json_t *arr)
{
	json_t *obj, *v[MAX_MEMBERS];
	size_t i, mark, item;

	mark = jptr_push(&c->path, rule->member);
	json_array_foreach(arr, i, obj) {
		item = jptr_index(&c->path, i);
		if (check_object(c, obj, rule->members, rule->n_members, v) == KT_OK) {
			if (v[0])
				claim_key(c, c->keys[rule->entity], "key",
					  json_string_value(v[0]), rule->what);
			if (rule->entity == KT_CHAIN_SERVICE)
				check_service(c, obj, v);
			else if (v[0])
				add_entry(c, rule->entity, obj,
					  json_string_value(v[0]));
		}
		jptr_pop(&c->path, item);
		if (c->oom)
			break;
	}
	jptr_pop(&c->path, mark);
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
		if (c.problems > KT_CHAIN_MAX_PROBLEMS)
			kt_err_detail(err, "", "%zu more problem(s) not shown",
				      c.problems - KT_CHAIN_MAX_PROBLEMS);
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

/* ---- comparing chains ---------------------------------------------- */

struct flat {
	json_t *map;                    /* key -> [node, parent key or null] */
	int oom;
};

/* Lenient: a stored document of an older version need not pass today's
 * rules, so nodes without a string key are passed over. */
static enum walk_next flatten_node(void *arg, json_t *node, json_t *parent,
				   int depth, struct jptr *path)
{
	struct flat *f = arg;
	const char *key = json_string_value(json_object_get(node, "key"));
	const char *parent_key = json_string_value(json_object_get(parent, "key"));

	(void)path;
	if (depth > KT_CHAIN_MAX_DEPTH)
		return WALK_SKIP;
	if (key && json_object_set_new(f->map, key,
				       json_pack("[O, s?]", node, parent_key))) {
		f->oom = 1;
		return WALK_STOP;
	}
	return WALK_DESCEND;
}

static int flatten(json_t *tree, struct flat *f)
{
	struct jptr path = { .len = 0 };

	f->map = json_object();
	if (!f->map)
		return KT_ERR;
	path.buf[0] = '\0';
	walk_tree(tree, NULL, 1, &path, flatten_node, f);
	return f->oom ? KT_ERR : KT_OK;
}

/* Adds "+ component k", "- component k", "~ component k" (each group in
 * key order) to w; "component order" when only the order of nodes differs. */
static void diff_components(json_t *old_tree, json_t *new_tree, struct words *w)
{
	static const char *const not_children[] = { "children", NULL };
	struct flat a = { 0 }, b = { 0 };
	json_t *added = json_object(), *removed = json_object(),
	       *changed = json_object();
	const char *key;
	json_t *nb, *na;
	int oom = 0;

	if (!added || !removed || !changed || flatten(old_tree, &a) ||
	    flatten(new_tree, &b))
		goto oom;
	json_object_foreach(b.map, key, nb) {
		na = json_object_get(a.map, key);
		if (!na)
			oom |= json_object_set_new(added, key, json_true());
		else if (!json_equal(json_array_get(na, 1), json_array_get(nb, 1)) ||
			 differing_members(json_array_get(na, 0), json_array_get(nb, 0),
					   not_children, NULL, &oom) > 0)
			oom |= json_object_set_new(changed, key, json_true());
	}
	json_object_foreach(a.map, key, na)
		if (!json_object_get(b.map, key))
			oom |= json_object_set_new(removed, key, json_true());
	if (oom)
		goto oom;
	words_add_sorted(w, "+ component ", added);
	words_add_sorted(w, "- component ", removed);
	words_add_sorted(w, "~ component ", changed);
	if (json_object_size(added) + json_object_size(removed) +
	    json_object_size(changed) == 0)
		words_add(w, "", "component order");
	goto out;
oom:
	w->oom = 1;
out:
	json_decref(a.map);
	json_decref(b.map);
	json_decref(added);
	json_decref(removed);
	json_decref(changed);
}

int kt_chain_service_diff(json_t *old_service, json_t *new_service, char **what)
{
	static const char *const identity[] = { "key", "customer", NULL };
	json_t *members = json_object(), *empty = json_object();
	struct words w = { 0 };
	const char **names = NULL;
	const char *name;
	json_t *v;
	size_t n, i = 0;
	int oom = 0, rc = KT_ERR;

	*what = NULL;
	if (!members || !empty)
		goto out;
	if (!old_service)
		old_service = empty;
	n = differing_members(old_service, new_service, identity, members, &oom);
	if (oom)
		goto out;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (!(names = malloc(n * sizeof(*names))))
		goto out;
	/* The service's own members by name, then its components. */
	json_object_foreach(members, name, v)
		names[i++] = name;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "components") != 0)
			words_add(&w, "", names[i]);
	if (json_object_get(members, "components"))
		diff_components(json_object_get(old_service, "components"),
				json_object_get(new_service, "components"), &w);
	if (w.oom)
		goto out;
	*what = w.s;
	w.s = NULL;
	rc = 1;
out:
	free(names);
	free(w.s);
	json_decref(members);
	json_decref(empty);
	return rc;
}

char *kt_chain_dumps(const json_t *v, size_t flags)
{
	char *text = json_dumps(v, flags | JSON_REAL_PRECISION(15));
	json_t *back;

	if (!text)
		return NULL;
	back = json_loads(text, JSON_DECODE_ANY, NULL);
	if (back && json_equal(back, v)) {
		json_decref(back);
		return text;
	}
	json_decref(back);
	free(text);
	return json_dumps(v, flags);
}

/* ---- the plan ------------------------------------------------------ */

static const char *const entity_names[] = {
	[KT_CHAIN_CUSTOMER] = "customer",
	[KT_CHAIN_SUPPLIER] = "supplier",
	[KT_CHAIN_SERVICE] = "service",
};

struct kt_chain_change *kt_chain_plan_add(struct kt_chain_plan *plan,
					  enum kt_chain_entity entity,
					  enum kt_chain_op op, const char *key)
{
	struct kt_chain_change *p = grow(plan->changes, &plan->cap, plan->n,
					 sizeof(*p));

	if (!p)
		return NULL;
	plan->changes = p;
	p += plan->n++;
	memset(p, 0, sizeof(*p));
	p->entity = entity;
	p->op = op;
	snprintf(p->key, sizeof(p->key), "%s", key);
	return p;
}

static int cmp_change(const void *a, const void *b)
{
	const struct kt_chain_change *x = a, *y = b;

	if (x->entity != y->entity)
		return x->entity < y->entity ? -1 : 1;
	return strcmp(x->key, y->key);
}

void kt_chain_plan_sort(struct kt_chain_plan *plan)
{
	if (plan->n > 1)
		qsort(plan->changes, plan->n, sizeof(*plan->changes), cmp_change);
}

size_t kt_chain_plan_count(const struct kt_chain_plan *plan)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n; i++)
		n += plan->changes[i].op != KT_CHAIN_SAME;
	return n;
}

void kt_chain_plan_print(const struct kt_chain_plan *plan, FILE *out)
{
	const struct kt_chain_change *ch;
	size_t i;

	for (i = 0; i < plan->n; i++) {
		ch = &plan->changes[i];
		fprintf(out, "%c %s %s", (int)ch->op, entity_names[ch->entity], ch->key);
		if (ch->op == KT_CHAIN_SAME)
			fputs(": unchanged", out);
		else if (ch->entity == KT_CHAIN_SERVICE)
			fprintf(out, ": chain version %d", ch->version);
		if (ch->op == KT_CHAIN_ADD && ch->entity == KT_CHAIN_SERVICE)
			fprintf(out, " (%zu component%s)", ch->n_components,
				ch->n_components == 1 ? "" : "s");
		else if (ch->op == KT_CHAIN_UPDATE && ch->what)
			fprintf(out, " (%s)", ch->what);
		fputc('\n', out);
	}
	for (i = 0; i < plan->n; i++) {
		ch = &plan->changes[i];
		if (ch->entity == KT_CHAIN_SERVICE && ch->id[0])
			fprintf(out, "service %s id %s\n", ch->key, ch->id);
	}
	fprintf(out, "chain import: %zu change(s)%s\n", kt_chain_plan_count(plan),
		plan->dry_run ? " (dry run, nothing applied)" : "");
}

void kt_chain_plan_release(struct kt_chain_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n; i++)
		free(plan->changes[i].what);
	free(plan->changes);
	memset(plan, 0, sizeof(*plan));
}
