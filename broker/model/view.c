/* view.c - projections of the full ticket record per viewer; every API
 * answer about a ticket and every payload sent to a supplier is made here,
 * so a leak can only be fixed (or made) in one place. */
#include "model/view.h"

/* Ticket fields that every party on the ticket may see. */
static const char *const common_fields[] = {
	"id", "number", "type", "summary", "description", "impact", "urgency",
	"priority", "component_key", "category", "ci", "created_at", "updated_at",
};

/* Keys of an event's data that may leave the integrator. */
static const char *const shared_data_keys[] = { "text", "from", "to", "status" };

static void copy_fields(json_t *dst, const json_t *src, const char *const *keys,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(src, keys[i]);

		if (v)
			json_object_set(dst, keys[i], v);
	}
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The leg of supplier_id on this ticket: leg_id when given (and the
 * supplier's), else the newest one not cancelled, or else the newest one.
 * Borrowed, or NULL. */
static const json_t *supplier_leg(const json_t *full, const char *supplier_id,
				  const char *leg_id)
{
	const json_t *legs = json_object_get(full, "legs"), *found = NULL;
	size_t i;
	json_t *leg;

	json_array_foreach(legs, i, leg) {
		const char *sid = str(json_object_get(leg, "supplier"), "id");

		if (!sid || strcmp(sid, supplier_id) != 0)
			continue;
		if (leg_id) {
			if (strcmp(str(leg, "id"), leg_id) == 0)
				return leg;
			continue;
		}
		if (!found || strcmp(str(leg, "status"), "cancelled") != 0 ||
		    strcmp(str(found, "status"), "cancelled") == 0)
			found = leg;
	}
	return found;
}

/* The supplier of the leg leg_id, or the supplier with key key (one of
 * them NULL), as the full record names it on a leg. Borrowed, or NULL. */
static const json_t *find_supplier(const json_t *full, const char *leg_id,
				   const char *key)
{
	size_t i;
	json_t *leg;

	json_array_foreach(json_object_get(full, "legs"), i, leg) {
		const json_t *sp = json_object_get(leg, "supplier");
		const char *id = str(leg, "id"), *k = str(sp, "key");

		if ((leg_id && id && strcmp(id, leg_id) == 0) ||
		    (key && k && strcmp(k, key) == 0))
			return sp;
	}
	return NULL;
}

/* Whether supplier sp's chain setting visibility.<what> lets the customer
 * see it; a record without the setting gives dflt. */
static int lets_customer(const json_t *sp, const char *what, int dflt)
{
	const json_t *v = json_object_get(json_object_get(sp, "visibility"), what);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* The rule of who sees a timeline entry, by its visibility class:
 * customer - everyone on the ticket, except that a supplier's public
 *            comment (on its leg) reaches the customer only where that
 *            supplier's public_comments_to_customer allows, and reaches
 *            no other supplier (they are sent it as a comment instead);
 * supplier - the supplier of the entry's leg (an entry on no leg: nobody
 *            but the integrator);
 * integrator - the integrator alone.
 * A supplier whose leg the broker ended (re-routed away, withdrawn,
 * cancelled) sees the timeline as it was then: a later entry only when
 * it is about that leg. */
static int visible(const json_t *full, const json_t *ev, const struct kt_principal *p,
		   const json_t *own)
{
	const char *vis = str(ev, "visibility");
	const char *leg = str(ev, "leg_id");
	const char *own_leg = str(own, "id");
	const json_t *cut = json_object_get(own, "ended_event");

	switch (p->role) {
	case KT_ROLE_INTEGRATOR:
		return 1;
	case KT_ROLE_CUSTOMER:
		if (strcmp(vis, "customer") != 0)
			return 0;
		return !leg || strcmp(str(ev, "kind"), "comment") != 0 ||
		       lets_customer(find_supplier(full, leg, NULL),
				     "public_comments_to_customer", 1);
	case KT_ROLE_SUPPLIER:
		if (json_is_integer(cut) &&
		    json_integer_value(json_object_get(ev, "id")) > json_integer_value(cut) &&
		    !(leg && own_leg && strcmp(leg, own_leg) == 0))
			return 0;
		if (!leg)
			return strcmp(vis, "customer") == 0;
		return own_leg && strcmp(leg, own_leg) == 0 &&
		       strcmp(vis, "integrator") != 0;
	}
	return 0;
}

/* Sets the entry's actor. A supplier's key on the timeline is shown to
 * that supplier only: the customer and every other supplier see
 * "supplier"; the customer also gets its name as actor_name where the
 * supplier's name_to_customer allows (a record without the setting: not).
 * A person's entry names the person (actor_name) to a customer only when
 * the person is that customer's own; everyone else sees the role. */
static void set_actor(json_t *e, const json_t *full, const json_t *ev,
		      const struct kt_principal *p)
{
	const char *actor = str(ev, "actor");
	const json_t *sp, *who = json_object_get(ev, "person");

	if (strncmp(actor, "supplier:", 9) != 0 ||
	    (p->role == KT_ROLE_SUPPLIER && strcmp(actor + 9, p->supplier_key) == 0)) {
		json_object_set_new(e, "actor", json_string(actor));
		if (p->role == KT_ROLE_CUSTOMER && json_is_object(who) && str(who, "customer_id") &&
		    strcmp(str(who, "customer_id"), p->customer_id) == 0)
			json_object_set(e, "actor_name", json_object_get(who, "name"));
		return;
	}
	json_object_set_new(e, "actor", json_string("supplier"));
	sp = p->role == KT_ROLE_CUSTOMER ? find_supplier(full, NULL, actor + 9) : NULL;
	if (sp && str(sp, "name") && lets_customer(sp, "name_to_customer", 0))
		json_object_set(e, "actor_name", json_object_get(sp, "name"));
}

/* p's view of the first n entries of full's timeline. */
static json_t *timeline(const json_t *full, const struct kt_principal *p,
			const json_t *own, size_t n)
{
	json_t *out = json_array(), *ev;
	size_t i;

	json_array_foreach(json_object_get(full, "timeline"), i, ev) {
		json_t *e, *data;

		if (i >= n)
			break;
		if (!visible(full, ev, p, own))
			continue;
		if (p->role == KT_ROLE_INTEGRATOR) {
			json_array_append(out, ev);
			continue;
		}
		e = json_object();
		copy_fields(e, ev, (const char *const[]){ "kind", "occurred_at", "recorded_at" }, 3);
		set_actor(e, full, ev, p);
		data = json_object();
		copy_fields(data, json_object_get(ev, "data"), shared_data_keys,
			    sizeof(shared_data_keys) / sizeof(shared_data_keys[0]));
		json_object_update(e, data);
		json_decref(data);
		json_array_append_new(out, e);
	}
	return out;
}

/* A supplier's own leg; with its contract clocks ("sla") in the API's
 * answer, not in what is sent to the supplier (its format is the
 * adapter's). */
static json_t *supplier_leg_view(const json_t *leg, int with_clock)
{
	json_t *v = json_object();

	copy_fields(v, leg, (const char *const[]){ "id", "status", "external_id",
						   "component_key", "sla" }, with_clock ? 5 : 4);
	return v;
}

/* Whether p may see the ticket at all; for a supplier, *own is its leg
 * (leg_id, else the one supplier_leg picks). */
static int may_see(const json_t *full, const struct kt_principal *p, const char *leg_id,
		   const json_t **own)
{
	const char *cid;

	*own = NULL;
	switch (p->role) {
	case KT_ROLE_INTEGRATOR:
		return 1;
	case KT_ROLE_CUSTOMER:
		cid = str(json_object_get(full, "customer"), "id");
		return cid && strcmp(cid, p->customer_id) == 0;
	case KT_ROLE_SUPPLIER:
		*own = supplier_leg(full, p->supplier_id, leg_id);
		return *own != NULL;
	}
	return 0;
}

static json_t *view(const json_t *full, const struct kt_principal *p,
		    const char *leg_id, int with_timeline, int api)
{
	const json_t *service = json_object_get(full, "service");
	const json_t *own;
	json_t *v;

	if (!may_see(full, p, leg_id, &own))
		return NULL;
	if (p->role == KT_ROLE_INTEGRATOR) {
		v = json_deep_copy(full);
		if (!with_timeline)
			json_object_del(v, "timeline");
		return v;
	}
	v = json_object();
	copy_fields(v, full, common_fields, sizeof(common_fields) / sizeof(common_fields[0]));
	json_object_set_new(v, "service", json_pack("{s:O?, s:O?}",
		"id", json_object_get(service, "id"),
		"name", json_object_get(service, "name")));
	if (p->role == KT_ROLE_CUSTOMER) {
		json_object_set(v, "status", json_object_get(full, "status"));
		if (json_object_get(full, "sla"))
			json_object_set(v, "sla", json_object_get(full, "sla"));
	} else {
		json_object_set_new(v, "leg", supplier_leg_view(own, api));
	}
	if (with_timeline)
		json_object_set_new(v, "timeline", timeline(full, p, own, (size_t)-1));
	return v;
}

/* Roughly what an entry adds to an answer: its data's strings (a
 * comment's text) and the rest. */
static size_t entry_bytes(const json_t *ev)
{
	const char *k;
	json_t *v;
	size_t n = 256;

	json_object_foreach((json_t *)json_object_get(ev, "data"), k, v)
		n += json_is_string(v) ? json_string_length(v) : 0;
	return n;
}

/* How many of the first limit entries a page takes: all of them, or
 * fewer when those p sees pass KT_VIEW_PAGE_BYTES; the entry that passes
 * it is the page's last, so that every page moves on. */
static size_t page_cut(const json_t *full, const json_t *entries,
		       const struct kt_principal *p, const json_t *own, size_t limit)
{
	size_t i, bytes = 0;

	for (i = 0; i < json_array_size(entries) && i < limit; i++) {
		const json_t *ev = json_array_get(entries, i);

		if (visible(full, ev, p, own) && (bytes += entry_bytes(ev)) >= KT_VIEW_PAGE_BYTES)
			return i + 1;
	}
	return i;
}

json_t *kt_view_timeline_page(const json_t *full, const struct kt_principal *p, size_t limit)
{
	const json_t *entries = json_object_get(full, "timeline"), *own, *last;
	json_t *next = json_null();
	size_t cut;
	char id[32];

	if (limit == 0 || !may_see(full, p, NULL, &own))
		return NULL;
	cut = page_cut(full, entries, p, own, limit);
	if (json_array_size(entries) > cut) {
		last = json_object_get(json_array_get(entries, cut - 1), "id");
		if (json_is_integer(last)) {
			snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(last));
			next = json_string(id);
		}
	}
	return json_pack("{s:o, s:o}", "items", timeline(full, p, own, cut),
			 "next_cursor", next);
}

json_t *kt_view_ticket(const json_t *full, const struct kt_principal *p,
		       int with_timeline)
{
	return view(full, p, NULL, with_timeline, 1);
}

json_t *kt_view_supplier_leg(const json_t *full, const char *supplier_id,
			     const char *supplier_key, const char *leg_id)
{
	struct kt_principal p = { .role = KT_ROLE_SUPPLIER };

	snprintf(p.supplier_id, sizeof(p.supplier_id), "%s", supplier_id);
	snprintf(p.supplier_key, sizeof(p.supplier_key), "%s", supplier_key);
	return view(full, &p, leg_id, 0, 0);
}
