/* test_view.c - unit tests of broker/view.c: what each party sees of the
 * record in data/view/full.json (shaped like broker/store/ticket.c's TICKET_JSON:
 * legs of alpha-net and beta-soft, a timeline of every visibility). Views
 * are searched for marker strings (BETA-WORK-NOTE, OUTCOME-MARKER, ...) and
 * held to lists of allowed keys, so a new field cannot leak unnoticed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/view.h"

#define FULL "tests/unit/data/view/full.json"

#define CUSTOMER_ID "c0000000-0000-4000-8000-0000000000c1"
#define ALPHA_ID "a0000000-0000-4000-8000-00000000000a"
#define BETA_ID "b0000000-0000-4000-8000-00000000000b"
#define GAMMA_ID "90000000-0000-4000-8000-000000000009"
#define ALPHA_LEG "1e9a0000-0000-4000-8000-0000000000a1"
#define BETA_LEG "1e9b0000-0000-4000-8000-0000000000b1"

static json_t *load_full(void)
{
	json_error_t jerr;
	json_t *v = json_load_file(FULL, JSON_REJECT_DUPLICATES, &jerr);

	if (!v)
		fail_msg("\"%s\": %s", FULL, jerr.text);
	return v;
}

static char *dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(s);
	return s;
}

static struct kt_principal customer(const char *id)
{
	struct kt_principal p = { .role = KT_ROLE_CUSTOMER };

	snprintf(p.customer_id, sizeof(p.customer_id), "%s", id);
	return p;
}

static struct kt_principal supplier(const char *id, const char *key)
{
	struct kt_principal p = { .role = KT_ROLE_SUPPLIER };

	snprintf(p.supplier_id, sizeof(p.supplier_id), "%s", id);
	snprintf(p.supplier_key, sizeof(p.supplier_key), "%s", key);
	return p;
}

static struct kt_principal integrator(void)
{
	return (struct kt_principal){ .role = KT_ROLE_INTEGRATOR };
}

/* The view of the fixture seen by p; fails when there is none. */
static json_t *view_of(const json_t *full, const struct kt_principal *p,
		       int with_timeline)
{
	json_t *v = kt_view_ticket(full, p, with_timeline);

	if (!v)
		fail_msg("role %s: no view", kt_role_name(p->role));
	return v;
}

/* What supplier p is sent about its leg leg_id; fails when nothing. */
static json_t *sent_to(const json_t *full, const struct kt_principal *p,
		       const char *leg_id)
{
	json_t *v = kt_view_supplier_leg(full, p->supplier_id, p->supplier_key,
					 leg_id);

	if (!v)
		fail_msg("supplier %s: nothing sent about leg %s", p->supplier_key,
			 leg_id);
	return v;
}

/* ---- allowed keys ---- */

static const char *const common_keys[] = {
	"id", "number", "type", "summary", "description", "impact", "urgency",
	"priority", "component_key", "created_at", "updated_at", "service",
};
static const char *const customer_keys[] = { "status", "timeline" };
static const char *const supplier_keys[] = { "leg", "timeline" };
static const char *const service_keys[] = { "id", "name" };
static const char *const leg_keys[] = {
	"id", "status", "external_id", "component_key",
};
/* The first four are always there; the rest come from the entry's data. */
static const char *const entry_keys[] = {
	"kind", "actor", "occurred_at", "recorded_at",
	"text", "from", "to", "status", "actor_name",
};
#define ENTRY_REQUIRED 4

static int in_list(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], key) == 0)
			return 1;
	return 0;
}

/* Every key of obj is in a or b; the first n_required of a, and all of b
 * when b_required, are present. */
static void check_keys(const char *what, const json_t *obj,
		       const char *const *a, size_t na, size_t n_required,
		       const char *const *b, size_t nb, int b_required)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		fail_msg("%s: not an object", what);
	json_object_foreach((json_t *)obj, key, v)
		if (!in_list(key, a, na) && !in_list(key, b, nb))
			fail_msg("%s: unexpected key \"%s\"", what, key);
	for (size_t i = 0; i < n_required; i++)
		if (!json_object_get(obj, a[i]))
			fail_msg("%s: no \"%s\"", what, a[i]);
	for (size_t i = 0; b_required && i < nb; i++)
		if (!json_object_get(obj, b[i]))
			fail_msg("%s: no \"%s\"", what, b[i]);
}

/* Holds a customer or supplier view to its allowed keys, everywhere. */
static void check_shape(const char *what, const json_t *v,
			const char *const *extra, size_t n_extra,
			int with_timeline)
{
	const json_t *leg = json_object_get(v, "leg");
	json_t *e;
	size_t i;

	/* extra keys are required, except "timeline" when left out */
	check_keys(what, v, common_keys, N_ELEMS(common_keys),
		   N_ELEMS(common_keys), extra, n_extra, 0);
	for (i = 0; i < n_extra; i++) {
		int present = json_object_get(v, extra[i]) != NULL;
		int want = with_timeline || strcmp(extra[i], "timeline") != 0;

		if (present != want)
			fail_msg("%s: \"%s\" %s", what, extra[i],
				 present ? "present" : "missing");
	}
	check_keys(what, json_object_get(v, "service"), service_keys,
		   N_ELEMS(service_keys), N_ELEMS(service_keys), NULL, 0, 0);
	if (leg)
		check_keys(what, leg, leg_keys, N_ELEMS(leg_keys),
			   N_ELEMS(leg_keys), NULL, 0, 0);
	json_array_foreach(json_object_get(v, "timeline"), i, e)
		check_keys(what, e, entry_keys, N_ELEMS(entry_keys),
			   ENTRY_REQUIRED, NULL, 0, 0);
}

/* ---- strings that must (not) appear ---- */

/* Reports every listed string found in (or, for must, missing from) the
 * serialized view, then fails once if there was any. */
static int scan(const char *what, const char *text, const char *const *list,
		size_t n, int must)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		if ((strstr(text, list[i]) != NULL) != must) {
			print_error("%s: %s \"%s\"\n", what,
				    must ? "lacks" : "leaks", list[i]);
			bad++;
		}
	return bad;
}

/* Internal fields and integrator-only content nobody else may see. */
static const char *const never_outside[] = {
	"\"legs\"", "\"delivery\"", "\"holder\"", "\"visibility\"",
	"\"leg_id\"", "\"hops\"", "\"own_status\"", "\"chain_version\"",
	"\"needs_triage\"", "\"customer\":", "\"attempts\"", "\"outcome\"",
	"\"operation\"", "\"due_at\"", "\"public\"", "\"data\"", "OUTCOME-MARKER", "INTEGRATOR-NOTE", "INTEGRATOR-LEG-NOTE",
	"SUPPLIER-WIDE-NOTE", "pos-svc-key", "\"system\"", "\"routed\"",
	"\"delivered\"", "\"supplier\":",
};

static const char *const customer_never[] = {
	ALPHA_LEG, BETA_LEG, ALPHA_ID, BETA_ID, "ALPHA-EXT-4711",
	"BETA-EXT-0815", "alpha-net", "beta-soft", "Alpha Networks",
	"Beta Software", "ALPHA-WORK-NOTE", "BETA-WORK-NOTE", "supplier:",
	"\"leg\"", "\"accepted\"", "\"acknowledged\"", "\"supplier_update\"",
};
static const char *const customer_must[] = {
	"ALPHA-PUBLIC", "BETA-PUBLIC", "INTEGRATOR-PUBLIC",
	"ticket INC-000042 received", "\"actor\":\"supplier\"",
	"\"status\":\"in_progress\"", "Point of Sale",
};

static const char *const alpha_never[] = {
	BETA_LEG, BETA_ID, "BETA-EXT-0815", "beta-soft", "Beta Software",
	"BETA-WORK-NOTE", "BETA-PUBLIC",
};
static const char *const alpha_must[] = {
	ALPHA_LEG, "ALPHA-EXT-4711", "ALPHA-WORK-NOTE", "ALPHA-PUBLIC",
	"INTEGRATOR-PUBLIC", "\"actor\":\"supplier:alpha-net\"",
};

static const char *const beta_never[] = {
	ALPHA_LEG, ALPHA_ID, "ALPHA-EXT-4711", "alpha-net", "Alpha Networks",
	"ALPHA-WORK-NOTE", "ALPHA-PUBLIC",
};
static const char *const beta_must[] = {
	BETA_LEG, "BETA-EXT-0815", "BETA-WORK-NOTE", "BETA-PUBLIC",
	"INTEGRATOR-PUBLIC", "\"actor\":\"supplier:beta-soft\"",
};

struct leak_case {
	const char *name;
	struct kt_principal p;
	const char *sent_leg; /* not NULL: what the supplier is sent about it */
	const char *const *never;
	size_t n_never;
	const char *const *must;
	size_t n_must;
	const char *const *extra_keys;
	size_t n_extra;
};

static void test_no_leaks(void **state)
{
	const struct leak_case cases[] = {
		{ "customer", customer(CUSTOMER_ID), NULL, customer_never,
		  N_ELEMS(customer_never), customer_must, N_ELEMS(customer_must),
		  customer_keys, N_ELEMS(customer_keys) },
		{ "supplier alpha-net", supplier(ALPHA_ID, "alpha-net"), NULL,
		  alpha_never, N_ELEMS(alpha_never), alpha_must,
		  N_ELEMS(alpha_must), supplier_keys, N_ELEMS(supplier_keys) },
		{ "supplier beta-soft", supplier(BETA_ID, "beta-soft"), NULL,
		  beta_never, N_ELEMS(beta_never), beta_must, N_ELEMS(beta_must),
		  supplier_keys, N_ELEMS(supplier_keys) },
		{ "sent to alpha-net", supplier(ALPHA_ID, "alpha-net"), ALPHA_LEG,
		  alpha_never, N_ELEMS(alpha_never), alpha_must,
		  N_ELEMS(alpha_must), supplier_keys, N_ELEMS(supplier_keys) },
		{ "sent to beta-soft", supplier(BETA_ID, "beta-soft"), BETA_LEG,
		  beta_never, N_ELEMS(beta_never), beta_must, N_ELEMS(beta_must),
		  supplier_keys, N_ELEMS(supplier_keys) },
	};
	json_t *full = load_full();
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const struct leak_case *c = &cases[i];

		/* what is sent never has the timeline (a message carries what
		 * changed); API views come with it and without (lists) */
		for (int tl = c->sent_leg ? 0 : 1; tl >= 0; tl--) {
			json_t *v = c->sent_leg ? sent_to(full, &c->p, c->sent_leg)
						: view_of(full, &c->p, tl);
			char *text = dump(v);
			char what[64];

			snprintf(what, sizeof(what), "%s%s", c->name,
				 tl || c->sent_leg ? "" : " (list)");
			check_shape(what, v, c->extra_keys, c->n_extra, tl);
			bad += scan(what, text, never_outside,
				    N_ELEMS(never_outside), 0);
			bad += scan(what, text, c->never, c->n_never, 0);
			/* the list view has no timeline to show notes from */
			if (tl)
				bad += scan(what, text, c->must, c->n_must, 1);
			free(text);
			json_decref(v);
		}
	}
	json_decref(full);
	if (bad)
		fail_msg("%d leak(s) or omission(s), listed above", bad);
}

/* ---- who sees which entries, in order ---- */

struct entry {
	const char *kind, *actor, *text;
};

struct timeline_case {
	const char *name;
	struct kt_principal p;
	size_t n;
	struct entry want[12];
};

/* Reports (and counts) how the timeline tl differs from c->want. */
static int check_timeline(const struct timeline_case *c, const json_t *tl)
{
	json_t *e;
	size_t i;

	if (json_array_size(tl) != c->n) {
		char *text = dump(tl);

		print_error("%s: %zu timeline entries, want %zu: %s\n", c->name,
			    json_array_size(tl), c->n, text);
		free(text);
		return 1;
	}
	json_array_foreach(tl, i, e) {
		const struct entry *w = &c->want[i];
		const char *kind = json_string_value(json_object_get(e, "kind"));
		const char *actor = json_string_value(json_object_get(e, "actor"));
		const char *text = json_string_value(json_object_get(e, "text"));

		if (!kind || strcmp(kind, w->kind) != 0 || !actor ||
		    strcmp(actor, w->actor) != 0 || !text != !w->text ||
		    (text && strcmp(text, w->text) != 0)) {
			print_error("%s: entry %zu is (%s, %s, %s), want (%s, %s, %s)\n",
				    c->name, i, kind ? kind : "-", actor ? actor : "-",
				    text ? text : "-", w->kind, w->actor,
				    w->text ? w->text : "-");
			return 1;
		}
	}
	return 0;
}

#define RECEIVED { "received", "customer", "ticket INC-000042 received" }
#define INTEGRATOR_PUBLIC \
	{ "comment", "integrator", \
	  "INTEGRATOR-PUBLIC both suppliers are working on it" }

static void test_timeline_per_viewer(void **state)
{
	const struct timeline_case cases[] = {
		{ "customer", customer(CUSTOMER_ID), 6, {
			RECEIVED,
			{ "status_changed", "supplier", NULL },
			{ "comment", "supplier", "ALPHA-PUBLIC engineer on site" },
			{ "comment", "supplier", "BETA-PUBLIC patch scheduled" },
			{ "status_changed", "supplier", NULL },
			INTEGRATOR_PUBLIC,
		} },
		/* another supplier's name is not shown to a supplier either */
		{ "supplier alpha-net", supplier(ALPHA_ID, "alpha-net"), 9, {
			RECEIVED,
			{ "accepted", "supplier:alpha-net", NULL },
			{ "acknowledged", "supplier:alpha-net", NULL },
			{ "supplier_update", "supplier:alpha-net", NULL },
			{ "status_changed", "supplier:alpha-net", NULL },
			{ "comment", "supplier:alpha-net",
			  "ALPHA-WORK-NOTE core switch rebooted" },
			{ "comment", "supplier:alpha-net",
			  "ALPHA-PUBLIC engineer on site" },
			{ "status_changed", "supplier", NULL },
			INTEGRATOR_PUBLIC,
		} },
		{ "supplier beta-soft", supplier(BETA_ID, "beta-soft"), 8, {
			RECEIVED,
			{ "accepted", "supplier:beta-soft", NULL },
			{ "status_changed", "supplier", NULL },
			{ "comment", "supplier:beta-soft",
			  "BETA-WORK-NOTE database failover" },
			{ "comment", "supplier:beta-soft",
			  "BETA-PUBLIC patch scheduled" },
			{ "supplier_update", "supplier:beta-soft", NULL },
			{ "status_changed", "supplier:beta-soft", NULL },
			INTEGRATOR_PUBLIC,
		} },
	};
	json_t *full = load_full();
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *v = view_of(full, &cases[i].p, 1);

		bad += check_timeline(&cases[i], json_object_get(v, "timeline"));
		json_decref(v);
	}
	json_decref(full);
	if (bad)
		fail_msg("%d timeline(s) differ, listed above", bad);
}

/* Data keys that may leave the integrator arrive on the entry itself. */
static void test_entry_data(void **state)
{
	struct kt_principal p = supplier(ALPHA_ID, "alpha-net");
	json_t *full = load_full();
	json_t *v = view_of(full, &p, 1);
	const json_t *tl = json_object_get(v, "timeline");
	const json_t *ack = json_array_get(tl, 2), *upd = json_array_get(tl, 3);
	const json_t *first = json_array_get(tl, 0);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(ack, "status")),
			    "in_progress");
	assert_string_equal(json_string_value(json_object_get(upd, "from")), "new");
	assert_string_equal(json_string_value(json_object_get(upd, "to")),
			    "in_progress");
	assert_string_equal(json_string_value(json_object_get(first, "occurred_at")),
			    "2026-11-25T09:12:00Z");
	assert_string_equal(json_string_value(json_object_get(first, "recorded_at")),
			    "2026-11-25T09:12:00.001Z");
	json_decref(v);
	json_decref(full);
}

static void test_customer_view(void **state)
{
	struct kt_principal p = customer(CUSTOMER_ID);
	json_t *full = load_full();
	json_t *v = view_of(full, &p, 1);

	(void)state;
	/* the consolidated status, not the ticket's own */
	assert_string_equal(json_string_value(json_object_get(v, "status")),
			    "in_progress");
	assert_null(json_object_get(v, "legs"));
	assert_null(json_object_get(v, "leg"));
	assert_string_equal(json_string_value(json_object_get(v, "number")),
			    "INC-000042");
	assert_int_equal(json_integer_value(json_object_get(v, "priority")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(v, "service"), "name")),
			    "Point of Sale");
	json_decref(v);
	json_decref(full);
}

static void test_supplier_leg(void **state)
{
	struct kt_principal p = supplier(BETA_ID, "beta-soft");
	json_t *full = load_full();
	json_t *v = view_of(full, &p, 1);
	const json_t *leg = json_object_get(v, "leg");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(leg, "id")), BETA_LEG);
	assert_string_equal(json_string_value(json_object_get(leg, "status")),
			    "assigned");
	assert_string_equal(json_string_value(json_object_get(leg, "external_id")),
			    "BETA-EXT-0815");
	assert_string_equal(json_string_value(json_object_get(leg, "component_key")),
			    "till-app");
	/* a supplier is not told the consolidated status */
	assert_null(json_object_get(v, "status"));
	json_decref(v);
	json_decref(full);
}

static void test_not_on_ticket(void **state)
{
	const struct {
		const char *name;
		struct kt_principal p;
	} cases[] = {
		{ "another customer",
		  customer("c0000000-0000-4000-8000-0000000000c2") },
		{ "customer with an empty id", customer("") },
		{ "supplier without a leg", supplier(GAMMA_ID, "gamma") },
		{ "supplier with an empty id", supplier("", "") },
		/* the key alone does not make alpha-net */
		{ "right key, wrong id", supplier(GAMMA_ID, "alpha-net") },
	};
	json_t *full = load_full();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		for (int tl = 0; tl <= 1; tl++) {
			json_t *v = kt_view_ticket(full, &cases[i].p, tl);

			if (v) {
				char *text = dump(v);

				fail_msg("%s sees %s", cases[i].name, text);
			}
		}
	json_decref(full);
}

/* A triage leg (no supplier) is nobody's leg. */
static void test_triage_leg_is_nobodys(void **state)
{
	struct kt_principal p = supplier(ALPHA_ID, "alpha-net");
	json_t *full = load_full();
	json_t *legs = json_object_get(full, "legs");

	(void)state;
	json_object_set_new(json_array_get(legs, 0), "supplier", json_null());
	assert_int_equal(json_array_remove(legs, 1), 0);
	assert_null(kt_view_ticket(full, &p, 1));
	json_decref(full);
}

/* Sets the chain's visibility settings of the supplier of leg index i. */
static void set_visibility(json_t *full, size_t i, int name, int comments)
{
	json_t *sp = json_object_get(json_array_get(json_object_get(full, "legs"), i),
				     "supplier");

	json_object_set_new(sp, "visibility",
			    json_pack("{s:b, s:b}", "name_to_customer", name,
				      "public_comments_to_customer", comments));
}

static void add_entry(json_t *full, const char *leg, const char *kind,
		      const char *visibility, const char *actor, const char *text)
{
	json_array_append_new(json_object_get(full, "timeline"), json_pack(
		"{s:i, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "id", 99,
		"leg_id", leg, "kind", kind, "visibility", visibility, "actor", actor,
		"holder", "integrator", "occurred_at", "2026-11-25T11:00:00Z",
		"recorded_at", "2026-11-25T11:00:00Z", "data", "text", text));
}

/* The chain's visibility settings (alpha-net: name and public comments
 * shown to the customer; beta-soft: neither) and the comment classes of
 * the comments API: a message to one supplier, a note, an echo. */
static void test_chain_visibility(void **state)
{
	static const char *const customer_must[] = {
		"\"actor_name\":\"Alpha Networks\"", "ALPHA-PUBLIC", "CUSTOMER-SAYS",
		"INTEGRATOR-PUBLIC",
	};
	static const char *const customer_never2[] = {
		"Beta Software", "BETA-PUBLIC", "beta-soft", "alpha-net",
		"TO-ALPHA-ONLY", "ECHO-MARKER", "NOTE-MARKER", "ALPHA-WORK-NOTE",
		"BETA-WORK-NOTE",
	};
	static const char *const alpha_must2[] = {
		"TO-ALPHA-ONLY", "CUSTOMER-SAYS", "ALPHA-PUBLIC",
	};
	static const char *const alpha_never2[] = {
		"actor_name", "Alpha Networks", "Beta Software", "BETA-PUBLIC",
		"BETA-WORK-NOTE", "ECHO-MARKER", "NOTE-MARKER",
	};
	static const char *const beta_must2[] = { "CUSTOMER-SAYS", "BETA-PUBLIC" };
	static const char *const beta_never2[] = {
		"actor_name", "Alpha Networks", "ALPHA-PUBLIC", "ALPHA-WORK-NOTE",
		"TO-ALPHA-ONLY", "ECHO-MARKER", "NOTE-MARKER",
	};
	const struct {
		const char *name;
		struct kt_principal p;
		const char *const *must, *const *never;
		size_t n_must, n_never;
	} cases[] = {
		{ "customer", customer(CUSTOMER_ID), customer_must, customer_never2,
		  N_ELEMS(customer_must), N_ELEMS(customer_never2) },
		{ "alpha-net", supplier(ALPHA_ID, "alpha-net"), alpha_must2,
		  alpha_never2, N_ELEMS(alpha_must2), N_ELEMS(alpha_never2) },
		{ "beta-soft", supplier(BETA_ID, "beta-soft"), beta_must2, beta_never2,
		  N_ELEMS(beta_must2), N_ELEMS(beta_never2) },
	};
	json_t *full = load_full();
	int bad = 0;

	(void)state;
	set_visibility(full, 0, 1, 1);
	set_visibility(full, 1, 0, 0);
	add_entry(full, NULL, "comment", "customer", "customer", "CUSTOMER-SAYS hello");
	add_entry(full, ALPHA_LEG, "comment", "supplier", "integrator", "TO-ALPHA-ONLY");
	add_entry(full, NULL, "note", "integrator", "integrator", "NOTE-MARKER");
	add_entry(full, BETA_LEG, "echo", "integrator", "supplier:beta-soft", "ECHO-MARKER");
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *v = view_of(full, &cases[i].p, 1);
		char *text = dump(v);

		check_shape(cases[i].name, v, i == 0 ? customer_keys : supplier_keys, 2, 1);
		bad += scan(cases[i].name, text, never_outside, N_ELEMS(never_outside), 0);
		bad += scan(cases[i].name, text, cases[i].never, cases[i].n_never, 0);
		bad += scan(cases[i].name, text, cases[i].must, cases[i].n_must, 1);
		free(text);
		json_decref(v);
	}
	/* the name only on alpha-net's own entries: its public comment and
	 * the status change it caused */
	{
		struct kt_principal p = customer(CUSTOMER_ID);
		json_t *v = view_of(full, &p, 1), *e;
		size_t i, named = 0;

		json_array_foreach(json_object_get(v, "timeline"), i, e) {
			const char *name = json_string_value(json_object_get(e, "actor_name"));

			if (!name)
				continue;
			named++;
			assert_string_equal(name, "Alpha Networks");
			assert_string_equal(json_string_value(json_object_get(e, "actor")),
					    "supplier");
		}
		assert_int_equal(named, 2);
		json_decref(v);
	}
	json_decref(full);
	if (bad)
		fail_msg("%d leak(s) or omission(s), listed above", bad);
}

/* A supplier with several legs on one ticket (re-routed) sees the newest
 * that is not cancelled, or else the newest. */
static void test_supplier_leg_choice(void **state)
{
	static const struct {
		const char *name;
		const char *statuses[3];
		int want; /* index of the leg seen */
	} cases[] = {
		{ "cancelled then open", { "cancelled", "assigned" }, 1 },
		{ "open then cancelled", { "assigned", "cancelled" }, 0 },
		{ "only cancelled", { "cancelled", "cancelled" }, 1 },
		{ "two open: the newest", { "new", "in_progress" }, 1 },
		{ "open, cancelled, cancelled", { "resolved", "cancelled",
						  "cancelled" }, 0 },
		{ "one cancelled leg", { "cancelled" }, 0 },
	};
	struct kt_principal p = supplier(ALPHA_ID, "alpha-net");

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *full = load_full();
		json_t *legs = json_array(), *v;
		char id[KT_UUID_LEN + 1];
		const char *got;
		size_t k;

		for (k = 0; k < 3 && cases[i].statuses[k]; k++) {
			snprintf(id, sizeof(id),
				 "1e9a0000-0000-4000-8000-00000000000%zu", k);
			json_array_append_new(legs, json_pack(
				"{s:s, s:s, s:n, s:s, s:{s:s, s:s, s:s}}",
				"id", id, "status", cases[i].statuses[k],
				"external_id", "component_key", "network",
				"supplier", "id", ALPHA_ID, "key", "alpha-net",
				"name", "Alpha Networks"));
		}
		/* beta-soft's leg sits between them and is not taken */
		json_array_insert(legs, 1, json_array_get(json_object_get(full,
								 "legs"), 1));
		json_object_set_new(full, "legs", legs);
		v = view_of(full, &p, 0);
		got = json_string_value(json_object_get(json_object_get(v, "leg"),
							"id"));
		snprintf(id, sizeof(id), "1e9a0000-0000-4000-8000-00000000000%d",
			 cases[i].want);
		if (!got || strcmp(got, id) != 0)
			fail_msg("%s: sees leg %s, want %s", cases[i].name,
				 got ? got : "none", id);
		json_decref(v);
		json_decref(full);
	}
}

static void test_integrator_sees_all(void **state)
{
	struct kt_principal p = integrator();
	json_t *full = load_full();
	json_t *v = view_of(full, &p, 1), *list = view_of(full, &p, 0);

	(void)state;
	if (!json_equal(v, full))
		fail_msg("the integrator's view differs from the full record");
	/* a copy: changing the view leaves the record alone */
	assert_ptr_not_equal(v, full);
	json_object_set_new(v, "summary", json_string("changed"));
	json_array_clear(json_object_get(v, "timeline"));
	json_object_set_new(json_object_get(v, "customer"), "name", json_null());
	assert_string_equal(json_string_value(json_object_get(full, "summary")),
			    "Tills offline in store 12");
	assert_int_equal(json_array_size(json_object_get(full, "timeline")), 19);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(full, "customer"), "name")),
			    "Acme Retail");
	/* the list view is the same record without the timeline */
	assert_null(json_object_get(list, "timeline"));
	assert_non_null(json_object_get(full, "timeline"));
	json_object_set(list, "timeline", json_object_get(full, "timeline"));
	assert_true(json_equal(list, full));
	json_decref(list);
	json_decref(v);
	json_decref(full);
}

/* with_timeline = 0 drops the timeline and nothing else. */
static void test_without_timeline(void **state)
{
	const struct kt_principal ps[] = {
		customer(CUSTOMER_ID), supplier(ALPHA_ID, "alpha-net"),
		supplier(BETA_ID, "beta-soft"), integrator(),
	};
	json_t *full = load_full();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(ps); i++) {
		json_t *with = view_of(full, &ps[i], 1);
		json_t *without = view_of(full, &ps[i], 0);

		assert_non_null(json_object_get(with, "timeline"));
		assert_null(json_object_get(without, "timeline"));
		assert_int_equal(json_object_del(with, "timeline"), 0);
		if (!json_equal(with, without))
			fail_msg("role %s: list view differs beyond the timeline",
				 kt_role_name(ps[i].role));
		json_decref(with);
		json_decref(without);
	}
	json_decref(full);
}

/* Making views never changes the borrowed record. */
static void test_record_untouched(void **state)
{
	const struct kt_principal ps[] = {
		customer(CUSTOMER_ID), supplier(ALPHA_ID, "alpha-net"),
		supplier(BETA_ID, "beta-soft"), integrator(),
		customer("other"), supplier(GAMMA_ID, "gamma"),
	};
	json_t *full = load_full();
	char *before = dump(full), *after;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(ps); i++)
		for (int tl = 0; tl <= 1; tl++)
			json_decref(kt_view_ticket(full, &ps[i], tl));
	json_decref(kt_view_supplier_leg(full, ALPHA_ID, "alpha-net", ALPHA_LEG));
	json_decref(kt_view_supplier_leg(full, ALPHA_ID, "alpha-net", BETA_LEG));
	after = dump(full);
	assert_string_equal(before, after);
	assert_int_equal(full->refcount, 1);
	free(before);
	free(after);
	json_decref(full);
}

/* What a supplier is sent about one leg is its own view focused on that
 * leg, even a cancelled one beside a newer open leg; never another's leg. */
static void test_sent_to_supplier(void **state)
{
	static const char *const old_leg = "1e9a0000-0000-4000-8000-0000000000a0";
	struct kt_principal alpha = supplier(ALPHA_ID, "alpha-net");
	json_t *full = load_full(), *legs = json_object_get(full, "legs");
	json_t *sent, *seen;

	(void)state;
	/* alpha-net's own view of the ticket without its clocks, and never
	 * the timeline: a message carries what changed, not the history */
	sent = sent_to(full, &alpha, ALPHA_LEG);
	seen = view_of(full, &alpha, 0);
	json_object_del(json_object_get(seen, "leg"), "sla");
	assert_null(json_object_get(sent, "timeline"));
	assert_true(json_equal(sent, seen));
	json_decref(seen);
	json_decref(sent);

	/* not another supplier's leg, nor a leg that is not there */
	assert_null(kt_view_supplier_leg(full, ALPHA_ID, "alpha-net", BETA_LEG));
	assert_null(kt_view_supplier_leg(full, BETA_ID, "beta-soft", ALPHA_LEG));
	assert_null(kt_view_supplier_leg(full, GAMMA_ID, "gamma", ALPHA_LEG));
	assert_null(kt_view_supplier_leg(full, ALPHA_ID, "alpha-net",
					 "1e9a0000-0000-4000-8000-0000000000ff"));
	assert_null(kt_view_supplier_leg(full, ALPHA_ID, "alpha-net", ""));

	/* an older cancelled leg of alpha-net, before the open one */
	json_array_insert_new(legs, 0, json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "id", old_leg,
		"status", "cancelled", "external_id", "ALPHA-OLD-1",
		"component_key", "network", "supplier", "id", ALPHA_ID, "key",
		"alpha-net", "name", "Alpha Networks"));
	sent = sent_to(full, &alpha, old_leg);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(sent, "leg"), "id")), old_leg);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(sent, "leg"), "status")),
			    "cancelled");
	/* the open leg's notes are not about this leg */
	{
		char *text = dump(sent);

		if (strstr(text, "ALPHA-WORK-NOTE") || strstr(text, ALPHA_LEG))
			fail_msg("sent about the old leg: %s", text);
		free(text);
	}
	json_decref(sent);
	/* the API view still shows the open one */
	seen = view_of(full, &alpha, 0);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(seen, "leg"), "id")), ALPHA_LEG);
	json_decref(seen);
	json_decref(full);
}

/* full as the store reads one page of it: the entries after id after,
 * at most limit + 1 of them. */
static json_t *page_of(const json_t *full, long long after, size_t limit)
{
	json_t *copy = json_deep_copy(full), *entries = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(full, "timeline"), i, e)
		if (json_integer_value(json_object_get(e, "id")) > after &&
		    json_array_size(entries) < limit + 1)
			json_array_append(entries, e);
	json_object_set_new(copy, "timeline", entries);
	return copy;
}

/* What p reads of full's timeline by following the cursors with pages
 * of limit, as the store reads them; *pages counts them and *largest
 * gets the largest page's size in bytes. New reference. */
static json_t *walk_pages(const json_t *full, const struct kt_principal *p, size_t limit,
			  size_t *pages, size_t *largest)
{
	size_t n_entries = json_array_size(json_object_get(full, "timeline"));
	json_t *got = json_array();
	long long after = 0;

	*pages = *largest = 0;
	for (;;) {
		json_t *raw = page_of(full, after, limit);
		json_t *page = kt_view_timeline_page(raw, p, limit);
		const json_t *next;
		char *text;
		int last;

		assert_non_null(page);
		assert_true(json_array_size(json_object_get(page, "items")) <= limit);
		text = dump(page);
		if (strlen(text) > *largest)
			*largest = strlen(text);
		free(text);
		json_array_extend(got, json_object_get(page, "items"));
		next = json_object_get(page, "next_cursor");
		++*pages;
		last = json_is_null(next);
		if (!last) {
			assert_true(json_is_string(next));
			after = strtoll(json_string_value(next), NULL, 10);
		}
		json_decref(page);
		json_decref(raw);
		if (last)
			return got;
		assert_true(*pages <= n_entries);
	}
}

/* Following the cursors with pages of every size yields each party's
 * whole timeline exactly once, in order; the last page says so. */
static void test_timeline_pages(void **state)
{
	const struct kt_principal ps[] = {
		customer(CUSTOMER_ID), supplier(ALPHA_ID, "alpha-net"),
		supplier(BETA_ID, "beta-soft"), integrator(),
	};
	json_t *full = load_full();
	size_t n_entries = json_array_size(json_object_get(full, "timeline"));

	(void)state;
	for (size_t i = 0; i < N_ELEMS(ps); i++) {
		json_t *whole = view_of(full, &ps[i], 1);
		const json_t *want = json_object_get(whole, "timeline");

		for (size_t limit = 1; limit <= n_entries + 1; limit++) {
			size_t pages, largest;
			json_t *got = walk_pages(full, &ps[i], limit, &pages, &largest);

			if (!json_equal(got, want))
				fail_msg("%s, pages of %zu: %s", kt_role_name(ps[i].role), limit,
					 dump(got));
			/* a page is cut from raw entries, whoever may see them */
			assert_int_equal(pages, (n_entries + limit - 1) / limit);
			json_decref(got);
		}
		json_decref(whole);
	}
	/* nobody else; no page of nothing */
	{
		struct kt_principal other = customer("c0000000-0000-4000-8000-0000000000c2");
		struct kt_principal gamma = supplier(GAMMA_ID, "gamma");
		struct kt_principal cust = customer(CUSTOMER_ID);

		assert_null(kt_view_timeline_page(full, &other, 5));
		assert_null(kt_view_timeline_page(full, &gamma, 5));
		assert_null(kt_view_timeline_page(full, &cust, 0));
	}
	json_decref(full);
}

/* A page of large comments stops near KT_VIEW_PAGE_BYTES, whatever the
 * limit, and the walk still yields every entry once. */
static void test_timeline_page_bytes(void **state)
{
	struct kt_principal ps[] = { customer(CUSTOMER_ID), integrator() };
	json_t *full = load_full(), *entries = json_object_get(full, "timeline");
	char *big = malloc(400001);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 400000);
	big[400000] = '\0';
	for (int i = 0; i < 5; i++)
		json_array_append_new(entries, json_pack(
			"{s:I, s:n, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "id", (json_int_t)(100 + i),
			"leg_id", "kind", "comment", "visibility", "customer", "actor", "customer",
			"holder", "integrator", "occurred_at", "2026-11-25T20:00:00Z",
			"recorded_at", "2026-11-25T20:00:00Z", "data", "text", big));
	free(big);
	for (size_t i = 0; i < N_ELEMS(ps); i++) {
		json_t *whole = view_of(full, &ps[i], 1);
		size_t pages, largest;
		json_t *got = walk_pages(full, &ps[i], 200, &pages, &largest);

		assert_true(json_equal(got, json_object_get(whole, "timeline")));
		assert_true(pages >= 2);
		assert_true(largest <= KT_VIEW_PAGE_BYTES + 400000 + 4096);
		json_decref(got);
		json_decref(whole);
	}
	json_decref(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_leaks),
		cmocka_unit_test(test_timeline_per_viewer),
		cmocka_unit_test(test_entry_data),
		cmocka_unit_test(test_customer_view),
		cmocka_unit_test(test_supplier_leg),
		cmocka_unit_test(test_not_on_ticket),
		cmocka_unit_test(test_triage_leg_is_nobodys),
		cmocka_unit_test(test_supplier_leg_choice),
		cmocka_unit_test(test_chain_visibility),
		cmocka_unit_test(test_integrator_sees_all),
		cmocka_unit_test(test_without_timeline),
		cmocka_unit_test(test_record_untouched),
		cmocka_unit_test(test_sent_to_supplier),
		cmocka_unit_test(test_timeline_pages),
		cmocka_unit_test(test_timeline_page_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
