/* rule_route.c - routing in the database (see store/rule_route.h):
 * reading a chain version for routing, opening and ending legs, the
 * targets of a route by hand, and re-routing after a supplier rejected a
 * leg. Decisions are routing/routing.h's; this file reads the chain and
 * writes what they decide. A rule file: calls rows and the database layer. */
#include <stdatomic.h>

#include "store/internal.h"
#include "store/row_event.h"
#include "store/row_leg.h"
#include "store/row_outbox.h"
#include "store/row_ticket.h"
#include "store/rule_route.h"
#include "store/rule_sla.h"

/* ---- the chain, as routing reads it ---------------------------------- */

struct chain {
	PGresult *res;                    /* owns the strings the arrays point into */
	struct kt_component *tree;
	struct kt_route_item *item;
	struct kt_route_rule *rule;
	struct kt_route_chain view;
};

static void chain_release(struct chain *c)
{
	PQclear(c->res);
	free(c->tree);
	free(c->item);
	free(c->rule);
	memset(c, 0, sizeof(*c));
}

/* A column value, NULL for SQL NULL. */
static const char *value(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* An array of n elements of size sz (at least one, so never NULL on success). */
static void *array(size_t n, size_t sz, struct kt_err *err)
{
	void *a = calloc(n ? n : 1, sz);

	if (!a)
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return a;
}

/* Fills c's arrays from res (which c then owns), rows tagged in column 0:
 * 'c' a component (key, parent_key, supplier_id), 'i' a configuration
 * item (name, component_key), 'r' a rule (type, category, component_key),
 * each kind in order; other tags are skipped. */
static int chain_rows(PGresult *res, struct chain *c, struct kt_err *err)
{
	int rows = PQntuples(res);

	c->res = res;
	if (!(c->tree = array((size_t)rows, sizeof(*c->tree), err)) ||
	    !(c->item = array((size_t)rows, sizeof(*c->item), err)) ||
	    !(c->rule = array((size_t)rows, sizeof(*c->rule), err)))
		return KT_ERR;
	for (int i = 0; i < rows; i++) {
		const char *a = value(res, i, 1), *b = value(res, i, 2), *d = value(res, i, 3);

		switch (PQgetvalue(res, i, 0)[0]) {
		case 'c':
			c->tree[c->view.n++] = (struct kt_component){ a, b, d };
			break;
		case 'i':
			c->item[c->view.n_items++] = (struct kt_route_item){ a, b };
			break;
		case 'r':
			c->rule[c->view.n_rules++] = (struct kt_route_rule){ a, b, d };
			break;
		}
	}
	c->view.tree = c->tree;
	c->view.items = c->item;
	c->view.rules = c->rule;
	return KT_OK;
}

/* Loads the component tree of chain version `version` of service_id. */
static int chain_load(struct kt_db *db, const char *service_id, const char *version,
		      struct chain *c, struct kt_err *err)
{
	const char *params[] = { service_id, version };
	PGresult *res;

	memset(c, 0, sizeof(*c));
	res = kt_db_exec(db,
		"SELECT 'c', key, parent_key, supplier_id FROM components"
		" WHERE service_id = $1::uuid AND chain_version = $2::integer ORDER BY key",
		2, params, err);
	return res ? chain_rows(res, c, err) : KT_ERR;
}

/* ---- small helpers ---------------------------------------------------- */

/* A column of res as a new array of borrowed strings (NULL when empty). */
static int column(PGresult *res, int col, const char ***out, size_t *n, struct kt_err *err)
{
	*n = (size_t)PQntuples(res);
	*out = NULL;
	if (*n == 0)
		return KT_OK;
	*out = calloc(*n, sizeof(**out));
	if (!*out)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = PQgetvalue(res, (int)i, col);
	return KT_OK;
}

json_t *kt_store_route_supplier_keys(struct kt_db *db, const struct kt_route_leg *legs,
				    size_t n, struct kt_err *err)
{
	json_t *ids = json_array(), *keys;
	char *text;
	const char *params[1];
	int found;

	for (size_t i = 0; ids && i < n; i++)
		json_array_append_new(ids, json_string(legs[i].supplier_id));
	text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
	json_decref(ids);
	if (!text) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	params[0] = text;
	keys = kt_db_json(db,
		"SELECT coalesce(json_agg(s.key ORDER BY x.n), '[]'::json)"
		" FROM json_array_elements_text($1::json) WITH ORDINALITY x(id, n)"
		" JOIN suppliers s ON s.id = x.id::uuid", 1, params, &found, err);
	free(text);
	return keys;
}

/* ---- opening and ending legs ----------------------------------------- */

int kt_store_route_open_leg(struct kt_db *db, const char *ticket_id, const char *supplier_id,
			    const char *component, int hop,
			    const char *actor, const json_t *why, int *n_messages,
			    struct kt_err *err)
{
	char hops[16], *data = json_dumps(why, JSON_COMPACT);
	const char *params[] = { ticket_id, supplier_id, component, hops, data, actor,
				 kt_db_acting_key(db) };
	PGresult *res;
	int rc = KT_OK;

	if (!data)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	snprintf(hops, sizeof(hops), "%d", hop);
	/* The leg and the routed event in one statement; its create is
	 * queued (and counted) like every other message. */
	res = kt_db_exec(db,
		"WITH l AS (INSERT INTO legs (ticket_id, supplier_id, component_key, hops)"
		"   VALUES ($1::uuid, $2::uuid, $3, $4::integer)"
		"   RETURNING id, ticket_id, supplier_id)"
		" INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder, occurred_at, data,"
		"  key_id)"
		" SELECT l.ticket_id, l.id, CASE WHEN l.supplier_id IS NULL THEN 'triage' ELSE 'routed' END,"
		"  'integrator', $6, coalesce('supplier:' || sp.key, 'integrator'), now(),"
		"  jsonb_build_object('supplier', sp.key, 'component', $3::text, 'hop', $4::integer)"
		"   || $5::jsonb, $7::uuid"
		" FROM l LEFT JOIN suppliers sp ON sp.id = l.supplier_id RETURNING leg_id",
		7, params, err);
	free(data);
	if (!res)
		return KT_ERR;
	if (supplier_id)
		rc = kt_store_outbox_enqueue(db, PQgetvalue(res, 0, 0), KT_OP_CREATE, NULL,
					     n_messages, err);
	PQclear(res);
	/* the new leg's contract clocks start now */
	if (rc == KT_OK && supplier_id)
		rc = kt_store_sla_refresh(db, ticket_id, err);
	return rc;
}

/* Opens a triage leg unless one is open already. */
static int open_triage(struct kt_db *db, const char *ticket_id, const char *component,
		       int hop, const char *actor, const json_t *why,
		       struct kt_err *err)
{
	int open, none = 0;

	if (kt_store_leg_triage_open(db, ticket_id, &open, err))
		return KT_ERR;
	return open ? KT_OK : kt_store_route_open_leg(db, ticket_id, NULL, component, hop, actor,
						      why, &none, err);
}

int kt_store_route_end_leg(struct kt_db *db, const char *ticket_id, const char *leg_id,
			   const char *ended, const char *reason, const char *actor,
			   int *n_messages, struct kt_err *err)
{
	const char *kind = strcmp(ended, "routed") == 0 ? "triage_closed"
			 : strcmp(ended, "withdrawn") == 0 ? "withdrawn" : "leg_cancelled";
	const char *cancel = NULL;
	char supplier[72];
	int discarded;

	if (kt_store_leg_end(db, leg_id, ended, supplier, err))
		return KT_ERR;
	if (supplier[0]) {
		if (kt_store_outbox_withdraw(db, leg_id, ended, actor, &discarded, err))
			return KT_ERR;
		if (!discarded &&
		    kt_store_outbox_enqueue(db, leg_id, KT_OP_CANCEL, NULL, n_messages, err))
			return KT_ERR;
		cancel = discarded ? "create_discarded" : "queued";
	}
	return kt_store_event_add(db, ticket_id, leg_id, kind, "integrator", actor, "integrator",
				  NULL, json_pack("{s:s*, s:s*, s:s*}", "supplier",
						  supplier[0] ? supplier : NULL, "reason", reason,
						  "cancel", cancel),
				  NULL, NULL, err);
}

/* ---- a new ticket ----------------------------------------------------- */

/* A plan being decided: the chain and its rows as plan_load read them. */
struct draft {
	struct chain chain;
	const char *customer_id, *version;   /* borrowed from chain.res */
	struct kt_route_target target;
	struct kt_route_leg legs[KT_ROUTE_MAX_LEGS];
	int n_legs;
};

/* A decided plan holds copies of only what the write needs, so that it is
 * small and immutable: the intake's cache shares it between threads. */
struct kt_route_plan {
	atomic_int refs;
	const char *customer_id, *version, *sla;
	struct kt_route_target target;
	struct kt_route_leg legs[KT_ROUTE_MAX_LEGS];
	const char *contracts[KT_ROUTE_MAX_LEGS]; /* of each leg; NULL: none */
	int n_legs;
	char *text;                          /* owns every string above */
};

struct kt_route_plan *kt_store_route_plan_hold(struct kt_route_plan *plan)
{
	atomic_fetch_add(&plan->refs, 1);
	return plan;
}

void kt_store_route_plan_free(struct kt_route_plan *plan)
{
	if (!plan || atomic_fetch_sub(&plan->refs, 1) > 1)
		return;
	free(plan->text);
	free(plan);
}

void kt_store_route_plan_service(const struct kt_route_plan *plan, const char **customer_id,
				 const char **version)
{
	*customer_id = plan->customer_id;
	*version = plan->version;
}

/* The service (row 's': customer_id, chain_version, default_component),
 * not locked: the write that follows checks that the version is still
 * this one (a lock here would, in READ COMMITTED, re-read the service row
 * after an import's commit and join it to a snapshot without the new
 * version: "no such service"), and what kt_route_decide() will read of the chain
 * version in force: its components, its items when the ticket names a CI
 * ($3), its rules when it names neither a component nor a CI ($4), and
 * (tag 'n') the suppliers of the chain whose adapter takes no ticket of
 * its type ($5); for the clocks, its SLA (tag 'a') and the contract of
 * each component that names one (tag 'k': key, contract, supplier). One
 * statement. */
static int plan_load(struct kt_db *db, const char *service_id, const char *customer_id,
		     const struct kt_route_ask *ask, struct draft *p, struct kt_err *err)
{
	const char *params[] = { service_id, customer_id, ask->ci ? "t" : "f",
				 !ask->component && !ask->ci ? "t" : "f", ask->type };
	PGresult *res;
	int rows;

	res = kt_db_exec(db,
		"WITH sv AS (SELECT s.customer_id, s.chain_version, cv.default_component, cv.rules,"
		"   cv.sla"
		"  FROM services s JOIN chain_versions cv"
		"   ON cv.service_id = s.id AND cv.version = s.chain_version"
		"  WHERE s.id = $1::uuid AND ($2::uuid IS NULL OR s.customer_id = $2::uuid))"
		" SELECT 'c' AS tag, c.key AS a, c.parent_key AS b, c.supplier_id::text AS d,"
		"  0::bigint AS n FROM sv, components c"
		"  WHERE c.service_id = $1::uuid AND c.chain_version = sv.chain_version"
		" UNION ALL SELECT 'i', i.name, c.key, NULL, 0 FROM sv, components c, unnest(c.items) i(name)"
		"  WHERE $3::boolean AND c.service_id = $1::uuid AND c.chain_version = sv.chain_version"
		" UNION ALL SELECT 'n', p.key, NULL, p.id::text, 0 FROM sv, components c"
		"  JOIN suppliers p ON p.id = c.supplier_id"
		"  WHERE c.service_id = $1::uuid AND c.chain_version = sv.chain_version"
		"   AND p.ticket_types IS NOT NULL AND NOT ($5::text = ANY (p.ticket_types))"
		" UNION ALL SELECT 'r', x.r->>'type', x.r->>'category', x.r->>'component', x.n"
		"  FROM sv, jsonb_array_elements(sv.rules) WITH ORDINALITY x(r, n) WHERE $4::boolean"
		" UNION ALL SELECT 'a', sv.sla::text, NULL, NULL, 0 FROM sv"
		" UNION ALL SELECT 'k', c.key, x::text, c.supplier_id::text, 0 FROM sv, components c"
		"  JOIN suppliers p ON p.id = c.supplier_id, jsonb_array_elements(p.contracts) x"
		"  WHERE c.service_id = $1::uuid AND c.chain_version = sv.chain_version"
		"   AND x->>'key' = c.contract"
		" UNION ALL SELECT 's', sv.customer_id::text, sv.chain_version::text,"
		"  sv.default_component, 0 FROM sv"
		" ORDER BY 1, 5, 2", 5, params, err);
	if (!res || chain_rows(res, &p->chain, err))
		return KT_ERR;
	rows = PQntuples(res);
	if (rows == 0 || PQgetvalue(res, rows - 1, 0)[0] != 's') {
		kt_err_detail(err, "/service", "no such service");
		return kt_err_set(err, KT_EC_INVALID, "unknown_service", "unknown service \"%s\"",
				  service_id);
	}
	p->customer_id = PQgetvalue(res, rows - 1, 1);
	p->version = PQgetvalue(res, rows - 1, 2);
	p->chain.view.default_component = value(res, rows - 1, 3);
	return KT_OK;
}

/* The SLA of the draft's chain version (row 'a'), as JSON text, or NULL. */
static const char *draft_sla(const struct draft *d)
{
	PGresult *res = d->chain.res;

	for (int r = 0; r < PQntuples(res); r++)
		if (PQgetvalue(res, r, 0)[0] == 'a')
			return value(res, r, 1);
	return NULL;
}

/* The contract (row 'k') of component when supplier_id delivers it. */
static const char *draft_contract(const struct draft *d, const char *component,
				  const char *supplier_id)
{
	PGresult *res = d->chain.res;

	for (int r = 0; component && supplier_id && r < PQntuples(res); r++)
		if (PQgetvalue(res, r, 0)[0] == 'k' && strcmp(PQgetvalue(res, r, 1), component) == 0 &&
		    strcmp(PQgetvalue(res, r, 3), supplier_id) == 0)
			return value(res, r, 2);
	return NULL;
}

/* KT_ERR (invalid "type_not_accepted") when a leg of p goes to a supplier
 * whose adapter has no entry for the ticket's type (a row 'n' of the
 * plan's answer). */
static int refused_leg(const struct draft *p, const struct kt_route_ask *ask,
		       struct kt_err *err)
{
	PGresult *res = p->chain.res;

	for (int r = 0; r < PQntuples(res); r++) {
		if (PQgetvalue(res, r, 0)[0] != 'n')
			continue;
		for (int i = 0; i < p->n_legs; i++)
			if (strcmp(p->legs[i].supplier_id, PQgetvalue(res, r, 3)) == 0) {
				kt_err_detail(err, "/type", "supplier \"%s\" has no entry for %s tickets",
					      PQgetvalue(res, r, 1), ask->type);
				return kt_err_set(err, KT_EC_INVALID, "type_not_accepted",
						  "component \"%s\" is delivered by supplier \"%s\", "
						  "whose mapping has no entry for %s tickets",
						  p->legs[i].component_key, PQgetvalue(res, r, 1),
						  ask->type);
			}
	}
	return KT_OK;
}

/* Routes ask along the draft's chain: d->target and d->legs. */
static int draft_decide(struct draft *d, const struct kt_route_ask *ask, struct kt_err *err)
{
	const char *path;

	if (kt_route_decide(&d->chain.view, ask, &d->target) == KT_ROUTE_UNKNOWN) {
		if (d->target.by == KT_ROUTE_BY_CI) {
			kt_err_detail(err, "/ci", "no such configuration item in the service's chain");
			return kt_err_set(err, KT_EC_INVALID, "unknown_ci",
					  "unknown configuration item \"%s\"", ask->ci);
		}
		kt_err_detail(err, "/component", "no such component in the service's chain");
		return kt_err_set(err, KT_EC_INVALID, "unknown_component", "unknown component \"%s\"",
				  ask->component);
	}
	path = d->target.by == KT_ROUTE_BY_CI ? "/ci" : "/component";
	d->n_legs = kt_route_legs(d->chain.tree, d->chain.view.n, d->target.component_key,
				  d->legs);
	if (d->n_legs == KT_ROUTE_UNKNOWN) {
		/* a rule or the default naming what the chain lacks */
		kt_err_detail(err, path, "no such component in the service's chain");
		return kt_err_set(err, KT_EC_INVALID, "unknown_component", "unknown component \"%s\"",
				  d->target.component_key);
	}
	if (d->n_legs < 0) {
		kt_err_detail(err, path, "more than %d suppliers deliver it", KT_ROUTE_MAX_LEGS);
		return kt_err_set(err, KT_EC_INVALID, "too_many_legs",
				  "component \"%s\" needs more than %d suppliers",
				  d->target.component_key, KT_ROUTE_MAX_LEGS);
	}
	return refused_leg(d, ask, err);
}

/* Where the plan's strings go: counted first (base NULL), then copied. */
struct arena {
	char *base;
	size_t used;
};

static const char *keep(struct arena *a, const char *s)
{
	size_t n = s ? strlen(s) + 1 : 0;
	const char *at = a->base ? a->base + a->used : NULL;

	if (!s)
		return NULL;
	if (a->base)
		memcpy(a->base + a->used, s, n);
	a->used += n;
	return at;
}

/* Fills p with copies of d's strings into a (see struct arena). */
static void plan_fill(struct kt_route_plan *p, const struct draft *d, struct arena *a)
{
	p->customer_id = keep(a, d->customer_id);
	p->version = keep(a, d->version);
	p->sla = keep(a, draft_sla(d));
	p->target = d->target;
	p->target.component_key = keep(a, d->target.component_key);
	p->n_legs = d->n_legs;
	for (int i = 0; i < d->n_legs; i++) {
		p->legs[i].supplier_id = keep(a, d->legs[i].supplier_id);
		p->legs[i].component_key = keep(a, d->legs[i].component_key);
		p->contracts[i] = keep(a, draft_contract(d, d->legs[i].component_key,
							  d->legs[i].supplier_id));
	}
}

/* The plan of a decided draft (one reference), or NULL out of memory. */
static struct kt_route_plan *plan_of(const struct draft *d)
{
	struct kt_route_plan *p = calloc(1, sizeof(*p));
	struct arena a = { 0 };

	if (!p)
		return NULL;
	plan_fill(p, d, &a);
	if (!(a.base = malloc(a.used ? a.used : 1))) {
		free(p);
		return NULL;
	}
	p->text = a.base;
	a.used = 0;
	plan_fill(p, d, &a);
	atomic_init(&p->refs, 1);
	return p;
}

const char *kt_store_route_plan_sla(const struct kt_route_plan *plan)
{
	return plan->sla;
}

const char *kt_store_route_plan_contract(const struct kt_route_plan *plan,
					 const char *component, const char *supplier_id)
{
	for (int i = 0; component && supplier_id && i < plan->n_legs; i++)
		if (plan->legs[i].component_key &&
		    strcmp(plan->legs[i].component_key, component) == 0 &&
		    strcmp(plan->legs[i].supplier_id, supplier_id) == 0)
			return plan->contracts[i];
	return NULL;
}

int kt_store_route_plan(struct kt_db *db, const char *service_id, const char *customer_id,
			const struct kt_route_ask *ask, struct kt_route_plan **out,
			struct kt_err *err)
{
	struct draft d = { 0 };
	int rc = KT_ERR;

	*out = NULL;
	if (plan_load(db, service_id, customer_id, ask, &d, err) == KT_OK &&
	    draft_decide(&d, ask, err) == KT_OK) {
		if ((*out = plan_of(&d)))
			rc = KT_OK;
		else
			kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	chain_release(&d.chain);
	return rc;
}

json_t *kt_store_route_plan_legs(const struct kt_route_plan *plan)
{
	json_t *why = json_pack("{s:s}", "by", kt_route_by_name(plan->target.by));
	json_t *legs = json_array(), *out = json_pack("{s:o, s:o}", "legs", legs, "why", why);

	if (!out)
		return NULL;
	if (plan->target.rule >= 0)
		json_object_set_new(why, "rule", json_integer(plan->target.rule));
	if (plan->n_legs == 0)
		json_array_append_new(legs, json_pack("{s:n, s:s?}", "supplier",
						      "component", plan->target.component_key));
	for (int i = 0; i < plan->n_legs; i++)
		json_array_append_new(legs, json_pack("{s:s, s:s?}",
			"supplier", plan->legs[i].supplier_id,
			"component", plan->legs[i].component_key));
	if (json_array_size(legs) != (size_t)(plan->n_legs ? plan->n_legs : 1)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* ---- routing by hand -------------------------------------------------- */

/* What the targets of a route by hand point into. */
struct kt_route_rows {
	PGresult *res;
	struct chain chain;
};

void kt_store_route_targets_release(struct kt_route_targets *tg)
{
	if (!tg->rows)
		return;
	PQclear(tg->rows->res);
	chain_release(&tg->rows->chain);
	free(tg->rows);
	tg->rows = NULL;
}

static int targets_by_key(struct kt_db *db, const struct kt_ticket_row *t,
			  const struct kt_route_request *rq, struct kt_route_targets *tg,
			  struct kt_err *err)
{
	json_t *keys = json_array();
	char *text;
	const char *params[3] = { NULL, t->service_id, t->version };

	for (size_t i = 0; keys && i < rq->n_suppliers; i++)
		json_array_append_new(keys, json_string(rq->suppliers[i]));
	text = keys ? json_dumps(keys, JSON_COMPACT) : NULL;
	json_decref(keys);
	if (!text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	params[0] = text;
	tg->rows->res = kt_db_exec(db,
		"SELECT k.key, s.id, (SELECT c.key FROM components c"
		"   WHERE c.service_id = $2::uuid AND c.chain_version = $3::integer"
		"    AND c.supplier_id = s.id ORDER BY c.key LIMIT 1)"
		" FROM json_array_elements_text($1::json) WITH ORDINALITY k(key, n)"
		" LEFT JOIN suppliers s ON s.key = k.key ORDER BY k.n", 3, params, err);
	free(text);
	if (!tg->rows->res)
		return KT_ERR;
	for (int i = 0; i < PQntuples(tg->rows->res) && i < KT_ROUTE_MAX_LEGS; i++) {
		char path[32];

		if (PQgetisnull(tg->rows->res, i, 1)) {
			snprintf(path, sizeof(path), "/suppliers/%d", i);
			kt_err_detail(err, path, "no such supplier");
			continue;
		}
		tg->legs[tg->n].supplier_id = PQgetvalue(tg->rows->res, i, 1);
		tg->legs[tg->n].component_key = PQgetisnull(tg->rows->res, i, 2) ? NULL
						: PQgetvalue(tg->rows->res, i, 2);
		tg->n++;
	}
	if (err->details)
		return kt_err_set(err, KT_EC_INVALID, "unknown_supplier", "the route names unknown suppliers");
	return KT_OK;
}

static int targets_by_component(struct kt_db *db, const struct kt_ticket_row *t,
				const char *component, struct kt_route_targets *tg,
				struct kt_err *err)
{
	if (chain_load(db, t->service_id, t->version, &tg->rows->chain, err))
		return KT_ERR;
	tg->n = kt_route_legs(tg->rows->chain.tree, tg->rows->chain.view.n, component, tg->legs);
	if (tg->n == KT_ROUTE_UNKNOWN) {
		kt_err_detail(err, "/component", "no such component in the ticket's chain");
		return kt_err_set(err, KT_EC_INVALID, "unknown_component", "unknown component \"%s\"",
				  component);
	}
	if (tg->n < 0) {
		kt_err_detail(err, "/component", "more than %d suppliers deliver it",
			      KT_ROUTE_MAX_LEGS);
		return kt_err_set(err, KT_EC_INVALID, "too_many_legs",
				  "component \"%s\" needs more than %d suppliers", component,
				  KT_ROUTE_MAX_LEGS);
	}
	if (tg->n == 0) {
		kt_err_detail(err, "/component", "no supplier delivers it");
		return kt_err_set(err, KT_EC_INVALID, "invalid_route", "component \"%s\" has no supplier",
				  component);
	}
	return KT_OK;
}

int kt_store_route_targets(struct kt_db *db, const struct kt_ticket_row *t,
			   const struct kt_route_request *rq, struct kt_route_targets *tg,
			   struct kt_err *err)
{
	memset(tg, 0, sizeof(*tg));
	if (!(tg->rows = calloc(1, sizeof(*tg->rows))))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return rq->component ? targets_by_component(db, t, rq->component, tg, err)
			     : targets_by_key(db, t, rq, tg, err);
}

/* ---- after a rejection ------------------------------------------------ */

/* What a re-routing reads besides the chain; the results own the strings. */
struct reject_ctx {
	PGresult *leg, *alternates, *open, *rejected;
	const char **alternate_ids, **open_ids, **rejected_ids;
	struct kt_route_leg hinted[KT_ROUTE_MAX_LEGS];
	struct kt_reroute_in in;
	const char *hint_ignored;
};

static void reject_ctx_release(struct reject_ctx *x)
{
	PQclear(x->leg);
	PQclear(x->alternates);
	PQclear(x->open);
	PQclear(x->rejected);
	free(x->alternate_ids);
	free(x->open_ids);
	free(x->rejected_ids);
}

static int reject_read(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const struct chain *chain, const char *hint, struct reject_ctx *x,
		       struct kt_err *err)
{
	const char *lp[] = { leg_id };
	const char *tp[] = { ticket_id };
	const char *ap[] = { ticket_id, NULL };
	int n;

	x->leg = kt_db_exec(db, "SELECT l.component_key, s.key FROM legs l"
				" JOIN suppliers s ON s.id = l.supplier_id WHERE l.id = $1::uuid",
			    1, lp, err);
	if (!x->leg)
		return KT_ERR;
	if (PQntuples(x->leg) != 1)
		return kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
	x->in.component = ap[1] = value(x->leg, 0, 0);
	x->alternates = kt_db_exec(db,
		"SELECT a.id FROM tickets t JOIN components c ON c.service_id = t.service_id"
		"  AND c.chain_version = t.chain_version,"
		" unnest(c.alternates) WITH ORDINALITY a(id, n)"
		" WHERE t.id = $1::uuid AND c.key = $2 ORDER BY a.n", 2, ap, err);
	if (!x->alternates ||
	    column(x->alternates, 0, &x->alternate_ids, &x->in.n_alternates, err))
		return KT_ERR;
	x->in.alternates = x->alternate_ids;
	x->open = kt_db_exec(db, "SELECT DISTINCT l.supplier_id FROM legs l"
				 " WHERE l.ticket_id = $1::uuid AND l.supplier_id IS NOT NULL"
				 "  AND keten_leg_is_open(l.status, l.ended)", 1, tp, err);
	if (!x->open || column(x->open, 0, &x->open_ids, &x->in.n_open, err))
		return KT_ERR;
	x->rejected = kt_db_exec(db, "SELECT DISTINCT supplier_id FROM legs"
				     " WHERE ticket_id = $1::uuid AND ended = 'rejected'", 1, tp, err);
	if (!x->rejected || column(x->rejected, 0, &x->rejected_ids, &x->in.n_rejected, err))
		return KT_ERR;
	x->in.open = x->open_ids;
	x->in.rejected = x->rejected_ids;
	if (!hint)
		return KT_OK;
	n = kt_route_legs(chain->tree, chain->view.n, hint, x->hinted);
	if (n > 0) {
		x->in.hinted = x->hinted;
		x->in.n_hinted = (size_t)n;
	} else {
		x->hint_ignored = n == 0 ? "no supplier delivers it"
				: n == KT_ROUTE_UNKNOWN ? "no such component in the ticket's chain"
				: "too many suppliers deliver it";
	}
	return KT_OK;
}

int kt_store_route_rejected(struct kt_db *db, const char *ticket_id, const char *leg_id,
			    const struct kt_leg_reject *rj, const char *actor,
			    int *n_messages, struct kt_err *err)
{
	struct kt_ticket_row t;
	struct chain chain = { 0 };
	struct reject_ctx x = { 0 };
	struct kt_reroute_out out;
	json_t *to = NULL, *why = NULL, *returned = NULL;
	int hop, rc = KT_ERR, escalate;

	if (kt_store_ticket_read(db, ticket_id, &t, err) ||
	    chain_load(db, t.service_id, t.version, &chain, err) ||
	    reject_read(db, ticket_id, leg_id, &chain, rj->component, &x, err))
		goto out;
	x.in.hops = t.hops;
	x.in.hop_limit = rj->hop_limit;
	kt_route_after_reject(&x.in, &out);
	hop = t.hops;
	if (out.verdict == KT_REROUTE_FORWARD && kt_store_ticket_count_hop(db, ticket_id, &hop, err))
		goto out;
	if (!(to = kt_store_route_supplier_keys(db, out.legs, out.n_legs, err)))
		goto out;
	if (out.returned_to) {
		struct kt_route_leg r = { out.returned_to, NULL };

		if (!(returned = kt_store_route_supplier_keys(db, &r, 1, err)))
			goto out;
	}
	escalate = out.verdict == KT_REROUTE_ESCALATE_RETURN ||
		   out.verdict == KT_REROUTE_ESCALATE_HOPS;
	why = json_pack("{s:s}", "by", escalate ? "escalated" : "reject");
	if (!why) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		goto out;
	}
	if ((escalate && kt_store_ticket_set_escalated(db, ticket_id, 1, err)) ||
	    kt_store_event_add(db, ticket_id, NULL, escalate ? "escalated" : "rerouted",
		"integrator", actor, "integrator", NULL,
		json_pack("{s:s, s:s, s:s, s:s, s:s*, s:s*, s:O, s:o*, s:i, s:i}",
			  "by", "reject", "verdict", kt_reroute_verdict_name(out.verdict),
			  "reason", rj->reason, "from", PQgetvalue(x.leg, 0, 1),
			  "hint", rj->component, "hint_ignored", x.hint_ignored, "to", to,
			  "returned_to", json_incref(json_array_get(returned, 0)),
			  "hop", hop, "hop_limit", rj->hop_limit), NULL, NULL, err))
		goto out;
	if (escalate || out.verdict == KT_REROUTE_TRIAGE)
		rc = open_triage(db, ticket_id, x.in.component, hop, actor, why, err);
	else
		rc = KT_OK;
	for (size_t i = 0; rc == KT_OK && i < out.n_legs; i++)
		rc = kt_store_route_open_leg(db, ticket_id, out.legs[i].supplier_id,
					     out.legs[i].component_key, hop, actor, why,
					     n_messages, err);
out:
	json_decref(to);
	json_decref(why);
	json_decref(returned);
	reject_ctx_release(&x);
	chain_release(&chain);
	return rc;
}
