/* route.c - routing in the database (see store_route.h): reading a
 * chain version for routing, opening and ending legs, and the transactions
 * of routing by hand, cancelling a ticket and re-routing after a supplier
 * rejected a leg. */
#include "store/internal.h"
#include "store/outbox.h"
#include "store/route.h"
#include "store/ticket.h"

/* A leg is open while the broker did not end it and, for a supplier's leg,
 * while the supplier did not finish or cancel it. */
#define OPEN_LEG \
	"l.ended IS NULL AND (l.supplier_id IS NULL" \
	" OR l.status NOT IN ('resolved', 'closed', 'cancelled'))"

/* ---- the chain, as routing reads it ---------------------------------- */

struct chain {
	PGresult *comp, *items, *rules;   /* own the strings the arrays point into */
	struct kt_component *tree;
	struct kt_route_item *item;
	struct kt_route_rule *rule;
	struct kt_route_chain view;
};

static void chain_release(struct chain *c)
{
	PQclear(c->comp);
	PQclear(c->items);
	PQclear(c->rules);
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

/* The configuration items of the chain version (service $1, version $2). */
static int chain_load_items(struct kt_db *db, const char *const *params, struct chain *c,
			    struct kt_err *err)
{
	size_t n;

	c->items = kt_db_exec(db,
		"SELECT i.name, c.key FROM components c, unnest(c.items) i(name)"
		" WHERE c.service_id = $1::uuid AND c.chain_version = $2::integer",
		2, params, err);
	if (!c->items)
		return KT_ERR;
	n = (size_t)PQntuples(c->items);
	if (!(c->item = array(n, sizeof(*c->item), err)))
		return KT_ERR;
	for (size_t i = 0; i < n; i++) {
		c->item[i].name = PQgetvalue(c->items, (int)i, 0);
		c->item[i].component_key = PQgetvalue(c->items, (int)i, 1);
	}
	c->view.items = c->item;
	c->view.n_items = n;
	return KT_OK;
}

/* The routing rules of the chain version, in document order. */
static int chain_load_rules(struct kt_db *db, const char *const *params, struct chain *c,
			    struct kt_err *err)
{
	size_t n;

	c->rules = kt_db_exec(db,
		"SELECT r->>'type', r->>'category', r->>'component'"
		" FROM chain_versions cv, jsonb_array_elements(cv.rules) WITH ORDINALITY x(r, n)"
		" WHERE cv.service_id = $1::uuid AND cv.version = $2::integer ORDER BY x.n",
		2, params, err);
	if (!c->rules)
		return KT_ERR;
	n = (size_t)PQntuples(c->rules);
	if (!(c->rule = array(n, sizeof(*c->rule), err)))
		return KT_ERR;
	for (size_t i = 0; i < n; i++) {
		c->rule[i].type = value(c->rules, (int)i, 0);
		c->rule[i].category = value(c->rules, (int)i, 1);
		c->rule[i].component_key = PQgetvalue(c->rules, (int)i, 2);
	}
	c->view.rules = c->rule;
	c->view.n_rules = n;
	return KT_OK;
}

/* Loads the component tree of chain version `version` of service_id and,
 * for a new ticket's ask (NULL: none), what kt_route_decide() will read
 * of it: the items when the ticket names a CI, the rules when it names
 * neither a component nor a CI. */
static int chain_load(struct kt_db *db, const char *service_id, const char *version,
		      const char *default_component, const struct kt_route_ask *ask,
		      struct chain *c, struct kt_err *err)
{
	const char *params[] = { service_id, version };
	size_t n;

	memset(c, 0, sizeof(*c));
	c->comp = kt_db_exec(db,
		"SELECT key, parent_key, supplier_id FROM components"
		" WHERE service_id = $1::uuid AND chain_version = $2::integer ORDER BY key",
		2, params, err);
	if (!c->comp)
		return KT_ERR;
	n = (size_t)PQntuples(c->comp);
	if (!(c->tree = array(n, sizeof(*c->tree), err)))
		return KT_ERR;
	for (size_t i = 0; i < n; i++) {
		c->tree[i].key = PQgetvalue(c->comp, (int)i, 0);
		c->tree[i].parent_key = value(c->comp, (int)i, 1);
		c->tree[i].supplier_id = value(c->comp, (int)i, 2);
	}
	c->view.tree = c->tree;
	c->view.n = n;
	c->view.default_component = default_component;
	if (ask && ask->ci && chain_load_items(db, params, c, err))
		return KT_ERR;
	if (ask && !ask->component && !ask->ci && chain_load_rules(db, params, c, err))
		return KT_ERR;
	return KT_OK;
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

/* The keys of the suppliers whose ids are in legs[0..n), in that order, as
 * a new JSON array (NULL when out of memory or on error). */
static json_t *supplier_keys(struct kt_db *db, const struct kt_route_leg *legs, size_t n,
			     struct kt_err *err)
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

/* The ticket's row as routing needs it, read under kt_store_ticket_lock. */
struct ticket_row {
	char service_id[KT_UUID_LEN + 1];
	char version[16];
	char priority[4];
	char status[32];
	int hops;
	int escalated;
};

static int ticket_row(struct kt_db *db, const char *ticket_id, struct ticket_row *t,
		      struct kt_err *err)
{
	const char *params[] = { ticket_id };
	PGresult *res = kt_db_exec(db,
		"SELECT service_id, chain_version, priority, status, hops, escalated_at IS NOT NULL"
		" FROM tickets WHERE id = $1::uuid", 1, params, err);

	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	}
	snprintf(t->service_id, sizeof(t->service_id), "%s", PQgetvalue(res, 0, 0));
	snprintf(t->version, sizeof(t->version), "%s", PQgetvalue(res, 0, 1));
	snprintf(t->priority, sizeof(t->priority), "%s", PQgetvalue(res, 0, 2));
	snprintf(t->status, sizeof(t->status), "%s", PQgetvalue(res, 0, 3));
	t->hops = (int)strtol(PQgetvalue(res, 0, 4), NULL, 10);
	t->escalated = PQgetvalue(res, 0, 5)[0] == 't';
	PQclear(res);
	return KT_OK;
}

static int is_closed(const struct ticket_row *t, struct kt_err *err)
{
	if (strcmp(t->status, "closed") != 0 && strcmp(t->status, "cancelled") != 0)
		return 0;
	kt_err_set(err, KT_EC_CONFLICT, "ticket_closed", "the ticket is %s", t->status);
	return 1;
}

/* The ticket's open legs: id, supplier id (NULL: triage), supplier key. */
static PGresult *open_legs(struct kt_db *db, const char *ticket_id, struct kt_err *err)
{
	const char *params[] = { ticket_id };

	return kt_db_exec(db,
		"SELECT l.id, l.supplier_id, s.key FROM legs l"
		" LEFT JOIN suppliers s ON s.id = l.supplier_id"
		" WHERE l.ticket_id = $1::uuid AND " OPEN_LEG
		" ORDER BY l.created_at, l.id", 1, params, err);
}

/* Adds one to the ticket's hops; *hops gets the new count. */
static int count_hop(struct kt_db *db, const char *ticket_id, int *hops, struct kt_err *err)
{
	const char *params[] = { ticket_id };
	PGresult *res = kt_db_exec(db,
		"UPDATE tickets SET hops = hops + 1, updated_at = now()"
		" WHERE id = $1::uuid RETURNING hops", 1, params, err);

	if (!res)
		return KT_ERR;
	*hops = PQntuples(res) == 1 ? (int)strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return KT_OK;
}

/* escalated 1: the ticket waits on the integrator from now; 0: no more. */
static int set_escalated(struct kt_db *db, const char *ticket_id, int escalated,
			 struct kt_err *err)
{
	const char *params[] = { ticket_id, escalated ? "t" : "f" };

	return kt_db_cmd(db,
		"UPDATE tickets SET escalated_at = CASE WHEN $2::boolean THEN now() END,"
		"  updated_at = now() WHERE id = $1::uuid", 2, params, err);
}

/* ---- opening and ending legs ----------------------------------------- */

/* Opens a leg of ticket_id to supplier_id (NULL: a triage leg) for
 * component, with its create message, at hop `hop`, and records "routed"
 * (or "triage") with why (borrowed) merged into its data. */
static int open_leg(struct kt_db *db, const char *ticket_id, const char *supplier_id,
		    const char *component, const char *priority, int hop,
		    const char *actor, const json_t *why, int *n_messages,
		    struct kt_err *err)
{
	char hops[16], *data = json_dumps(why, JSON_COMPACT);
	const char *params[] = { ticket_id, supplier_id, component, priority, hops, data,
				 actor };
	int rc;

	if (!data)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	snprintf(hops, sizeof(hops), "%d", hop);
	/* The leg, its create message and the routed event in one statement. */
	rc = kt_db_cmd(db,
		"WITH l AS (INSERT INTO legs (ticket_id, supplier_id, component_key, next_seq, hops)"
		"   VALUES ($1::uuid, $2::uuid, $3, CASE WHEN $2 IS NULL THEN 1 ELSE 2 END,"
		"    $5::integer)"
		"   RETURNING id, ticket_id, supplier_id),"
		" o AS (INSERT INTO outbox (leg_id, seq, operation, idempotency_key, priority)"
		"   SELECT id, 1, 'create', 'msg_' || replace(gen_random_uuid()::text, '-', ''),"
		"   $4::smallint FROM l WHERE l.supplier_id IS NOT NULL)"
		" INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder, occurred_at, data)"
		" SELECT l.ticket_id, l.id, CASE WHEN l.supplier_id IS NULL THEN 'triage' ELSE 'routed' END,"
		"  'integrator', $7, coalesce('supplier:' || sp.key, 'integrator'), now(),"
		"  jsonb_build_object('supplier', sp.key, 'component', $3::text, 'hop', $5::integer)"
		"   || $6::jsonb"
		" FROM l LEFT JOIN suppliers sp ON sp.id = l.supplier_id",
		7, params, err);
	free(data);
	if (rc == KT_OK && supplier_id)
		(*n_messages)++;
	return rc;
}

/* Opens a triage leg unless one is open already. */
static int open_triage(struct kt_db *db, const char *ticket_id, const char *component,
		       const char *priority, int hop, const char *actor, const json_t *why,
		       struct kt_err *err)
{
	const char *params[] = { ticket_id };
	PGresult *res = kt_db_exec(db,
		"SELECT 1 FROM legs WHERE ticket_id = $1::uuid AND supplier_id IS NULL"
		" AND ended IS NULL", 1, params, err);
	int open, unused = 0;

	if (!res)
		return KT_ERR;
	open = PQntuples(res) > 0;
	PQclear(res);
	return open ? KT_OK : open_leg(db, ticket_id, NULL, component, priority, hop, actor,
				       why, &unused, err);
}

/* Ends open leg leg_id: "withdrawn", "cancelled" or (a triage leg)
 * "routed". Its supplier gets a cancel unless the create never left, in
 * which case it is discarded with the rest of the leg's messages. */
static int end_leg(struct kt_db *db, const char *ticket_id, const char *leg_id,
		   const char *ended, const char *reason, const char *actor,
		   int *n_messages, struct kt_err *err)
{
	const char *params[] = { leg_id, ended };
	const char *kind = strcmp(ended, "routed") == 0 ? "triage_closed"
			 : strcmp(ended, "withdrawn") == 0 ? "withdrawn" : "leg_cancelled";
	const char *cancel = NULL;
	char supplier[72] = "";
	PGresult *res;
	int discarded;

	res = kt_db_exec(db,
		"UPDATE legs SET status = CASE WHEN $2 = 'routed' THEN 'closed' ELSE 'cancelled' END,"
		"  ended = $2, ended_at = now(), updated_at = now()"
		" WHERE id = $1::uuid AND ended IS NULL"
		" RETURNING (SELECT s.key FROM suppliers s WHERE s.id = supplier_id)",
		2, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		snprintf(supplier, sizeof(supplier), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (supplier[0]) {
		if (kt_store_outbox_withdraw(db, leg_id, ended, actor, &discarded, err))
			return KT_ERR;
		if (!discarded && kt_store_outbox_enqueue(db, leg_id, KT_OP_CANCEL, NULL, err))
			return KT_ERR;
		cancel = discarded ? "create_discarded" : "queued";
		*n_messages += !discarded;
	}
	return kt_store_leg_event(db, ticket_id, leg_id, kind, "integrator", actor, NULL, NULL,
				  json_pack("{s:s*, s:s*, s:s*}", "supplier",
					    supplier[0] ? supplier : NULL, "reason", reason,
					    "cancel", cancel),
				  err);
}

/* ---- a new ticket ----------------------------------------------------- */

struct kt_route_plan {
	struct chain chain;
	struct kt_route_target target;
	struct kt_route_leg legs[KT_ROUTE_MAX_LEGS];
	int n_legs;
};

void kt_store_route_plan_free(struct kt_route_plan *plan)
{
	if (!plan)
		return;
	chain_release(&plan->chain);
	free(plan);
}

int kt_store_route_plan(struct kt_db *db, const char *service_id, const char *version,
			const char *default_component, const struct kt_route_ask *ask,
			struct kt_route_plan **out, struct kt_err *err)
{
	struct kt_route_plan *p = calloc(1, sizeof(*p));
	const char *path;

	*out = NULL;
	if (!p)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	if (chain_load(db, service_id, version, default_component, ask, &p->chain, err))
		goto fail;
	if (kt_route_decide(&p->chain.view, ask, &p->target) == KT_ROUTE_UNKNOWN) {
		if (p->target.by == KT_ROUTE_BY_CI) {
			kt_err_detail(err, "/ci", "no such configuration item in the service's chain");
			kt_err_set(err, KT_EC_INVALID, "unknown_ci", "unknown configuration item \"%s\"",
				   ask->ci);
		} else {
			kt_err_detail(err, "/component", "no such component in the service's chain");
			kt_err_set(err, KT_EC_INVALID, "unknown_component", "unknown component \"%s\"",
				   ask->component);
		}
		goto fail;
	}
	path = p->target.by == KT_ROUTE_BY_CI ? "/ci" : "/component";
	p->n_legs = kt_route_legs(p->chain.tree, p->chain.view.n, p->target.component_key,
				  p->legs);
	if (p->n_legs == KT_ROUTE_UNKNOWN) {
		/* a rule or the default naming what the chain lacks */
		kt_err_detail(err, path, "no such component in the service's chain");
		kt_err_set(err, KT_EC_INVALID, "unknown_component", "unknown component \"%s\"",
			   p->target.component_key);
		goto fail;
	}
	if (p->n_legs < 0) {
		kt_err_detail(err, path, "more than %d suppliers deliver it", KT_ROUTE_MAX_LEGS);
		kt_err_set(err, KT_EC_INVALID, "too_many_legs", "component \"%s\" needs more than %d suppliers",
			   p->target.component_key, KT_ROUTE_MAX_LEGS);
		goto fail;
	}
	*out = p;
	return KT_OK;
fail:
	kt_store_route_plan_free(p);
	return KT_ERR;
}

int kt_store_route_open(struct kt_db *db, const struct kt_route_plan *plan,
			const char *ticket_id, const char *priority, int *n_messages,
			struct kt_err *err)
{
	json_t *why = json_pack("{s:s}", "by", kt_route_by_name(plan->target.by));
	int rc = KT_OK;

	if (!why)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	if (plan->target.rule >= 0)
		json_object_set_new(why, "rule", json_integer(plan->target.rule));
	if (plan->n_legs == 0)
		rc = open_leg(db, ticket_id, NULL, plan->target.component_key, priority, 0,
			      "system", why, n_messages, err);
	for (int i = 0; rc == KT_OK && i < plan->n_legs; i++)
		rc = open_leg(db, ticket_id, plan->legs[i].supplier_id,
			      plan->legs[i].component_key, priority, 0, "system", why,
			      n_messages, err);
	json_decref(why);
	return rc;
}

/* ---- routing by hand -------------------------------------------------- */

/* The targets of rq: suppliers by key (each with its first component in
 * the ticket's chain version, or none) or the legs of a component. *keep
 * owns what targets point into. */
struct targets {
	PGresult *res;
	struct chain chain;
	struct kt_route_leg legs[KT_ROUTE_MAX_LEGS];
	int n;
};

static void targets_release(struct targets *tg)
{
	PQclear(tg->res);
	chain_release(&tg->chain);
}

static int targets_by_key(struct kt_db *db, const struct ticket_row *t,
			  const struct kt_route_request *rq, struct targets *tg,
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
	tg->res = kt_db_exec(db,
		"SELECT k.key, s.id, (SELECT c.key FROM components c"
		"   WHERE c.service_id = $2::uuid AND c.chain_version = $3::integer"
		"    AND c.supplier_id = s.id ORDER BY c.key LIMIT 1)"
		" FROM json_array_elements_text($1::json) WITH ORDINALITY k(key, n)"
		" LEFT JOIN suppliers s ON s.key = k.key ORDER BY k.n", 3, params, err);
	free(text);
	if (!tg->res)
		return KT_ERR;
	for (int i = 0; i < PQntuples(tg->res) && i < KT_ROUTE_MAX_LEGS; i++) {
		char path[32];

		if (PQgetisnull(tg->res, i, 1)) {
			snprintf(path, sizeof(path), "/suppliers/%d", i);
			kt_err_detail(err, path, "no such supplier");
			continue;
		}
		tg->legs[tg->n].supplier_id = PQgetvalue(tg->res, i, 1);
		tg->legs[tg->n].component_key = PQgetisnull(tg->res, i, 2) ? NULL
						: PQgetvalue(tg->res, i, 2);
		tg->n++;
	}
	if (err->details)
		return kt_err_set(err, KT_EC_INVALID, "unknown_supplier", "the route names unknown suppliers");
	return KT_OK;
}

static int targets_by_component(struct kt_db *db, const struct ticket_row *t,
				const char *component, struct targets *tg,
				struct kt_err *err)
{
	if (chain_load(db, t->service_id, t->version, NULL, NULL, &tg->chain, err))
		return KT_ERR;
	tg->n = kt_route_legs(tg->chain.tree, tg->chain.view.n, component, tg->legs);
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

static int has_supplier(const struct kt_route_leg *legs, int n, const char *supplier_id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(legs[i].supplier_id, supplier_id) == 0)
			return 1;
	return 0;
}

static int on_open_leg(PGresult *open, const char *supplier_id)
{
	for (int i = 0; i < PQntuples(open); i++)
		if (!PQgetisnull(open, i, 1) && strcmp(PQgetvalue(open, i, 1), supplier_id) == 0)
			return 1;
	return 0;
}

/* The legs of tg that have no open leg yet, into add; returns how many. */
static int new_targets(const struct targets *tg, PGresult *open, struct kt_route_leg *add)
{
	int n = 0;

	for (int i = 0; i < tg->n; i++)
		if (!on_open_leg(open, tg->legs[i].supplier_id))
			add[n++] = tg->legs[i];
	return n;
}

int kt_store_route_manual(struct kt_db *db, const char *ticket_id,
			  const struct kt_route_request *rq, const char *actor,
			  int *n_messages, struct kt_err *err)
{
	struct ticket_row t;
	struct targets tg = { 0 };
	struct kt_route_leg add[KT_ROUTE_MAX_LEGS];
	PGresult *open = NULL;
	json_t *from = NULL, *to = NULL, *why = NULL;
	int n_add, n_withdraw = 0, has_triage = 0, hop;

	*n_messages = 0;
	if (kt_db_begin(db, err))
		return KT_ERR;
	if (kt_store_ticket_lock(db, ticket_id, err) || ticket_row(db, ticket_id, &t, err) ||
	    is_closed(&t, err))
		goto fail;
	if (rq->component ? targets_by_component(db, &t, rq->component, &tg, err)
			  : targets_by_key(db, &t, rq, &tg, err))
		goto fail;
	if (!(open = open_legs(db, ticket_id, err)))
		goto fail;
	n_add = new_targets(&tg, open, add);
	from = json_array();
	if (!from)
		goto oom;
	for (int i = 0; i < PQntuples(open); i++) {
		if (PQgetisnull(open, i, 1)) {
			has_triage = 1;
		} else if (!has_supplier(tg.legs, tg.n, PQgetvalue(open, i, 1))) {
			n_withdraw++;
			json_array_append_new(from, json_string(PQgetvalue(open, i, 2)));
		}
	}
	hop = t.hops;
	if (n_add + n_withdraw == 0 && !has_triage && !t.escalated)
		goto done;
	if (n_add + n_withdraw > 0 && count_hop(db, ticket_id, &hop, err))
		goto fail;
	if (!(to = supplier_keys(db, add, (size_t)n_add, err)))
		goto fail;
	if (set_escalated(db, ticket_id, 0, err) ||
	    kt_store_leg_event(db, ticket_id, NULL, "rerouted", "integrator", actor, NULL, NULL,
			       json_pack("{s:s, s:s, s:O, s:O, s:i, s:s*}", "by", "integrator",
					 "reason", rq->reason, "from", from, "to", to, "hop", hop,
					 "component", rq->component), err))
		goto fail;
	for (int i = 0; i < PQntuples(open); i++) {
		const char *sid = PQgetisnull(open, i, 1) ? NULL : PQgetvalue(open, i, 1);

		if ((!sid || !has_supplier(tg.legs, tg.n, sid)) &&
		    end_leg(db, ticket_id, PQgetvalue(open, i, 0), sid ? "withdrawn" : "routed",
			    rq->reason, actor, n_messages, err))
			goto fail;
	}
	why = json_pack("{s:s}", "by", "integrator");
	if (!why)
		goto oom;
	for (int i = 0; i < n_add; i++)
		if (open_leg(db, ticket_id, add[i].supplier_id, add[i].component_key, t.priority,
			     hop, actor, why, n_messages, err))
			goto fail;
	if (kt_store_ticket_refresh_status(db, ticket_id, actor, err))
		goto fail;
done:
	if (kt_db_commit(db, err))
		goto fail;
	json_decref(why);
	json_decref(from);
	json_decref(to);
	PQclear(open);
	targets_release(&tg);
	return KT_OK;
oom:
	kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
fail:
	kt_db_rollback(db);
	json_decref(why);
	json_decref(from);
	json_decref(to);
	PQclear(open);
	targets_release(&tg);
	*n_messages = 0;
	return KT_ERR;
}

/* ---- cancelling ------------------------------------------------------- */

int kt_store_route_cancel(struct kt_db *db, const char *ticket_id,
			  const struct kt_principal *p, const char *reason,
			  const char *actor, int *n_messages, struct kt_err *err)
{
	const char *params[] = { ticket_id,
		p->role == KT_ROLE_CUSTOMER ? p->customer_id : NULL };
	struct ticket_row t;
	PGresult *res = NULL;
	int mine;

	*n_messages = 0;
	if (p->role != KT_ROLE_CUSTOMER && p->role != KT_ROLE_INTEGRATOR)
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	if (kt_db_begin(db, err))
		return KT_ERR;
	res = kt_db_exec(db, "SELECT 1 FROM tickets WHERE id = $1::uuid"
			     " AND ($2::uuid IS NULL OR customer_id = $2::uuid)", 2, params, err);
	if (!res)
		goto fail;
	mine = PQntuples(res) == 1;
	PQclear(res);
	res = NULL;
	if (!mine) {
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
		goto fail;
	}
	if (kt_store_ticket_lock(db, ticket_id, err) || ticket_row(db, ticket_id, &t, err) ||
	    is_closed(&t, err) ||
	    kt_db_cmd(db, "UPDATE tickets SET status = 'cancelled', escalated_at = NULL,"
			  "  updated_at = now() WHERE id = $1::uuid", 1, params, err) ||
	    kt_store_leg_event(db, ticket_id, NULL, "cancelled", "customer", actor, "nobody",
			       NULL, json_pack("{s:s}", "text",
					       reason ? reason : "ticket cancelled"), err) ||
	    !(res = open_legs(db, ticket_id, err)))
		goto fail;
	for (int i = 0; i < PQntuples(res); i++)
		if (end_leg(db, ticket_id, PQgetvalue(res, i, 0), "cancelled", reason, actor,
			    n_messages, err))
			goto fail;
	PQclear(res);
	res = NULL;
	if (kt_store_ticket_refresh_status(db, ticket_id, actor, err) || kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	PQclear(res);
	kt_db_rollback(db);
	*n_messages = 0;
	return KT_ERR;
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
				 "  AND " OPEN_LEG, 1, tp, err);
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
	struct ticket_row t;
	struct chain chain = { 0 };
	struct reject_ctx x = { 0 };
	struct kt_reroute_out out;
	json_t *to = NULL, *why = NULL, *returned = NULL;
	int hop, rc = KT_ERR, escalate;

	*n_messages = 0;
	if (ticket_row(db, ticket_id, &t, err) ||
	    chain_load(db, t.service_id, t.version, NULL, NULL, &chain, err) ||
	    reject_read(db, ticket_id, leg_id, &chain, rj->component, &x, err))
		goto out;
	x.in.hops = t.hops;
	x.in.hop_limit = rj->hop_limit;
	kt_route_after_reject(&x.in, &out);
	hop = t.hops;
	if (out.verdict == KT_REROUTE_FORWARD && count_hop(db, ticket_id, &hop, err))
		goto out;
	if (!(to = supplier_keys(db, out.legs, out.n_legs, err)))
		goto out;
	if (out.returned_to) {
		struct kt_route_leg r = { out.returned_to, NULL };

		if (!(returned = supplier_keys(db, &r, 1, err)))
			goto out;
	}
	escalate = out.verdict == KT_REROUTE_ESCALATE_RETURN ||
		   out.verdict == KT_REROUTE_ESCALATE_HOPS;
	why = json_pack("{s:s}", "by", escalate ? "escalated" : "reject");
	if (!why) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		goto out;
	}
	if ((escalate && set_escalated(db, ticket_id, 1, err)) ||
	    kt_store_leg_event(db, ticket_id, NULL, escalate ? "escalated" : "rerouted",
		"integrator", actor, escalate || out.verdict == KT_REROUTE_TRIAGE
			? "integrator" : NULL, NULL,
		json_pack("{s:s, s:s, s:s, s:s, s:s*, s:s*, s:O, s:o*, s:i, s:i}",
			  "by", "reject", "verdict", kt_reroute_verdict_name(out.verdict),
			  "reason", rj->reason, "from", PQgetvalue(x.leg, 0, 1),
			  "hint", rj->component, "hint_ignored", x.hint_ignored, "to", to,
			  "returned_to", json_incref(json_array_get(returned, 0)),
			  "hop", hop, "hop_limit", rj->hop_limit), err))
		goto out;
	if (escalate || out.verdict == KT_REROUTE_TRIAGE)
		rc = open_triage(db, ticket_id, x.in.component, t.priority, hop, actor, why, err);
	else
		rc = KT_OK;
	for (size_t i = 0; rc == KT_OK && i < out.n_legs; i++)
		rc = open_leg(db, ticket_id, out.legs[i].supplier_id, out.legs[i].component_key,
			      t.priority, hop, actor, why, n_messages, err);
out:
	json_decref(to);
	json_decref(why);
	json_decref(returned);
	reject_ctx_release(&x);
	chain_release(&chain);
	return rc;
}
