/* rule_chain.c - applies a checked chain document inside the caller's
 * transaction (a rule file; tx_chain.c is the import's transaction): the
 * checks that need the database first (references, a service's customer),
 * then customers, suppliers and services upserted by key, and a new chain
 * version (document and component rows) for each service whose chain
 * changed (a supplier's hub registration follows it: store/row_hub.h);
 * last, that no current chain names a contract a supplier lost
 * (any failed check: the caller rolls the whole transaction back). A dry run is the same transaction, rolled back. The integrator
 * API writes one entity through the same steps (kt_store_chain_apply).
 * Also reads the document back (export). */
#include "model/chain_doc.h"
#include "store/internal.h"
#include "store/listen.h"
#include "store/row_hub.h"

/* Imports, and the integrator API's writes and deletes, run one at a time,
 * so the plan each prints is exact. */
#define IMPORT_LOCK "keten.chain_import"

/* A document member of a customer or supplier, stored in the column of the
 * same name: text, or jsonb (passed as JSON text; json_default when the
 * document leaves the member out). */
struct entry_member {
	const char *name;
	const char *json_default;       /* NULL: a text member, always there */
};

/* How customer and supplier entries map onto their tables: members[] in
 * the order of the statements' parameters after the key ($1), sorted so
 * that the "(what)" of an update reads in a stable order. */
struct entry_table {
	enum kt_chain_entity entity;
	const char *select_sql;         /* $1 key, $2.. members[] -> id, then
					   per member whether it differs */
	const char *insert_sql;         /* $1 key, $2.. members[] -> id */
	const char *update_sql;         /* $1 key, $2.. members[] */
	struct entry_member members[12];
	size_t n_members;
};

static const struct entry_table customer_table = {
	KT_CHAIN_CUSTOMER,
	"SELECT id, name IS DISTINCT FROM $2 FROM customers WHERE key = $1"
	" FOR UPDATE",
	"INSERT INTO customers (key, name) VALUES ($1, $2) RETURNING id",
	"UPDATE customers SET name = $2 WHERE key = $1",
	{ { "name", NULL } }, 1,
};

/* A supplier's visibility: what the document says over the defaults. */
#define VISIBILITY(param) \
	"('{\"name_to_customer\": true, \"public_comments_to_customer\": true}'" \
	"::jsonb || " param "::jsonb)"

/* A supplier's auth when its entry names none: today's signed webhooks. */
#define AUTH_DEFAULT "{\"kind\": \"standard-webhooks\"}"

static const struct entry_table supplier_table = {
	KT_CHAIN_SUPPLIER,
	"SELECT id, adapter IS DISTINCT FROM $2, auth IS DISTINCT FROM $3::jsonb,"
	" contracts IS DISTINCT FROM $4::jsonb, delivery IS DISTINCT FROM $5::jsonb,"
	" endpoint IS DISTINCT FROM $6, inbound IS DISTINCT FROM $7::jsonb,"
	" mapping IS DISTINCT FROM $8::jsonb, name IS DISTINCT FROM $9,"
	" poll IS DISTINCT FROM NULLIF($10::jsonb, 'null'), secret_ref IS DISTINCT FROM $11,"
	" visibility IS DISTINCT FROM " VISIBILITY("$12")
	" FROM suppliers WHERE key = $1 FOR UPDATE",
	"INSERT INTO suppliers (key, adapter, auth, contracts, delivery, endpoint, inbound,"
	" mapping, name, poll, secret_ref, visibility) VALUES ($1, $2, $3::jsonb, $4::jsonb,"
	" $5::jsonb, $6, $7::jsonb, $8::jsonb, $9, NULLIF($10::jsonb, 'null'), $11, "
	VISIBILITY("$12") ") RETURNING id",
	"UPDATE suppliers SET adapter = $2, auth = $3::jsonb, contracts = $4::jsonb,"
	" delivery = $5::jsonb, endpoint = $6, inbound = $7::jsonb, mapping = $8::jsonb,"
	" name = $9, poll = NULLIF($10::jsonb, 'null'), secret_ref = $11, visibility = "
	VISIBILITY("$12") " WHERE key = $1",
	{ { "adapter", NULL }, { "auth", AUTH_DEFAULT }, { "contracts", "[]" },
	  { "delivery", "{}" }, { "endpoint", NULL }, { "inbound", "{}" },
	  { "mapping", "{}" }, { "name", NULL }, { "poll", "null" },
	  { "secret_ref", NULL }, { "visibility", "{}" } }, 11,
};

static const char *const ref_sql[] = {
	[KT_CHAIN_CUSTOMER] = "SELECT 1 FROM customers WHERE key = $1",
	[KT_CHAIN_SUPPLIER] = "SELECT 1 FROM suppliers WHERE key = $1",
	[KT_CHAIN_SERVICE] = "SELECT 1 FROM services WHERE key = $1",
};

/* $1 supplier key, $2 contract key. */
static const char contract_ref_sql[] =
	"SELECT 1 FROM suppliers WHERE key = $1"
	" AND contracts @> jsonb_build_array(jsonb_build_object('key', $2::text))";

static const char *const entity_word[] = {
	[KT_CHAIN_CUSTOMER] = "customer",
	[KT_CHAIN_SUPPLIER] = "supplier",
	[KT_CHAIN_SERVICE] = "service",
};

/* What the database holds for one service of the document. */
struct stored_service {
	int found;
	char id[37];
	char customer[KT_CHAIN_KEY_MAX + 1];
	int version;                    /* services.chain_version */
	json_t *document;               /* owned; that version's, or NULL */
};

static int oom(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
}

static void copy_id(char *dst, size_t size, PGresult *res)
{
	snprintf(dst, size, "%s", PQgetvalue(res, 0, 0));
}

/* Every customer or supplier key (or supplier's contract) the document
 * uses without defining it must exist; each one missing is a detail at the
 * reference's path. */
static int check_refs(struct kt_db *db, const struct kt_chain_doc *doc,
		      size_t *problems, struct kt_err *err)
{
	for (size_t i = 0; i < doc->n_refs; i++) {
		const struct kt_chain_ref *ref = &doc->refs[i];
		const char *params[] = { ref->key, ref->contract };
		PGresult *res = ref->contract
			? kt_db_exec(db, contract_ref_sql, 2, params, err)
			: kt_db_exec(db, ref_sql[ref->entity], 1, params, err);

		if (!res)
			return KT_ERR;
		if (PQntuples(res) == 0 && ref->contract) {
			kt_err_detail(err, ref->path, "unknown contract \"%s\": supplier "
				      "\"%s\" in the database has no such contract",
				      ref->contract, ref->key);
			(*problems)++;
		} else if (PQntuples(res) == 0) {
			kt_err_detail(err, ref->path, "unknown %s \"%s\": not in this "
				      "document nor in the database",
				      entity_word[ref->entity], ref->key);
			(*problems)++;
		}
		PQclear(res);
	}
	return KT_OK;
}

/* Reads (and locks) the services of the document that exist; a service
 * whose customer would change is a detail. */
static int load_services(struct kt_db *db, const struct kt_chain_doc *doc,
			 struct stored_service *st, size_t *problems,
			 struct kt_err *err)
{
	static const char sql[] =
		"SELECT s.id, c.key, s.chain_version, cv.document"
		" FROM services s JOIN customers c ON c.id = s.customer_id"
		" LEFT JOIN chain_versions cv"
		"   ON cv.service_id = s.id AND cv.version = s.chain_version"
		" WHERE s.key = $1 FOR UPDATE OF s";
	json_error_t jerr;
	char path[64];

	for (size_t i = 0; i < doc->n_services; i++) {
		const struct kt_chain_service *svc = &doc->services[i];
		const char *params[] = { svc->key };
		PGresult *res = kt_db_exec(db, sql, 1, params, err);

		if (!res)
			return KT_ERR;
		if (PQntuples(res) == 0) {
			PQclear(res);
			continue;
		}
		st[i].found = 1;
		copy_id(st[i].id, sizeof(st[i].id), res);
		snprintf(st[i].customer, sizeof(st[i].customer), "%s",
			 PQgetvalue(res, 0, 1));
		st[i].version = (int)strtol(PQgetvalue(res, 0, 2), NULL, 10);
		if (!PQgetisnull(res, 0, 3) &&
		    !(st[i].document = json_loads(PQgetvalue(res, 0, 3), 0, &jerr))) {
			PQclear(res);
			return kt_err_set(err, KT_EC_INTERNAL, "database_error",
					  "could not read chain version %d of service "
					  "\"%s\": %s", st[i].version, svc->key, jerr.text);
		}
		PQclear(res);
		if (strcmp(st[i].customer, svc->customer) != 0) {
			/* A valid document's services are its "services" array. */
			snprintf(path, sizeof(path), "/services/%zu/customer", i);
			kt_err_detail(err, path, "service \"%s\" belongs to customer "
				      "\"%s\": a service cannot change customer",
				      svc->key, st[i].customer);
			(*problems)++;
		}
	}
	return KT_OK;
}

/* The statement parameters of entry e: the key, then members[] as text.
 * json[] gets what was allocated here (dumped JSON) for the caller to
 * free(), NULL elsewhere. KT_ERR when out of memory. */
static int entry_params(const struct entry_table *t, const struct kt_chain_entry *e,
			const char **params, char **json)
{
	json_t *v;

	params[0] = e->key;
	for (size_t i = 0; i < t->n_members; i++) {
		v = json_object_get(e->obj, t->members[i].name);
		json[i] = NULL;
		if (!t->members[i].json_default)
			params[1 + i] = json_string_value(v);
		else if (!v)
			params[1 + i] = t->members[i].json_default;
		else if (!(params[1 + i] = json[i] = kt_chain_dumps(v, JSON_COMPACT)))
			return KT_ERR;
	}
	return KT_OK;
}

/* Inserts or updates one customer or supplier and records what it did:
 * the "(what)" of an update lists the members that differ. */
static int upsert_entry(struct kt_db *db, const struct entry_table *t,
			const struct kt_chain_entry *e, struct kt_chain_plan *plan,
			struct kt_err *err)
{
	enum { N = sizeof(t->members) / sizeof(t->members[0]) };
	const char *params[1 + N];
	char *json[N] = { NULL };
	int n_params = (int)(1 + t->n_members);
	enum kt_chain_op op = KT_CHAIN_SAME;
	struct kt_chain_change *ch;
	char what[128] = "", id[37] = "";
	PGresult *res = NULL;
	size_t i, len = 0;
	int rc = KT_ERR;

	if (entry_params(t, e, params, json)) {
		oom(err);
		goto out;
	}
	if (!(res = kt_db_exec(db, t->select_sql, n_params, params, err)))
		goto out;
	if (PQntuples(res) == 0) {
		PQclear(res);
		op = KT_CHAIN_ADD;
		if (!(res = kt_db_exec(db, t->insert_sql, n_params, params, err)))
			goto out;
	} else {
		for (i = 0; i < t->n_members; i++)
			if (strcmp(PQgetvalue(res, 0, (int)(1 + i)), "t") == 0)
				len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%s",
							len ? ", " : "", t->members[i].name);
		if (len > 0) {
			op = KT_CHAIN_UPDATE;
			if (kt_db_cmd(db, t->update_sql, n_params, params, err))
				goto out;
		}
	}
	copy_id(id, sizeof(id), res);
	if (!(ch = kt_chain_plan_add(plan, t->entity, op, e->key)) ||
	    (op == KT_CHAIN_UPDATE && !(ch->what = strdup(what)))) {
		oom(err);
		goto out;
	}
	snprintf(ch->id, sizeof(ch->id), "%s", id);
	rc = KT_OK;
out:
	PQclear(res);
	for (i = 0; i < t->n_members; i++)
		free(json[i]);
	return rc;
}

/* Keeps the ticket types e's adapter takes (NULL: every type), which
 * routing reads; follows e's mapping and adapter, so it is no change of
 * its own. */
static int set_ticket_types(struct kt_db *db, const struct kt_chain_entry *e, struct kt_err *err)
{
	const char *params[] = { e->key, e->ticket_types[0] ? e->ticket_types : NULL };

	return kt_db_cmd(db,
		"UPDATE suppliers SET ticket_types = $2::text[] WHERE key = $1"
		" AND ticket_types IS DISTINCT FROM $2::text[]", 2, params, err);
}

/* The component rows of a version, as the JSON array that
 * jsonb_to_recordset reads. Returns a new string for free(), or NULL. */
static char *component_rows(const struct kt_chain_service *svc)
{
	json_t *rows = json_array();
	char *text = NULL;

	if (!rows)
		return NULL;
	for (size_t i = 0; i < svc->n_components; i++) {
		const struct kt_chain_component *c = &svc->components[i];

		if (json_array_append_new(rows, json_pack(
				"{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:O?, s:O?}",
				"key", c->key, "name", c->name, "kind", c->kind,
				"parent_key", c->parent_key, "supplier", c->supplier,
				"contract", c->contract, "alternates", c->alternates,
				"items", c->items)))
			goto out;
	}
	text = kt_chain_dumps(rows, JSON_COMPACT);
out:
	json_decref(rows);
	return text;
}

/* Writes version `version` of svc's chain: the document, its SLA and
 * rules, and its component rows (alternates resolved to supplier ids, in
 * order). */
static int insert_version(struct kt_db *db, const struct kt_chain_service *svc,
			  const char *service_id, int version, struct kt_err *err)
{
	static const char version_sql[] =
		"INSERT INTO chain_versions"
		" (service_id, version, document, default_component, sla, rules)"
		" VALUES ($1, $2::integer, $3::jsonb, $4, $5::jsonb,"
		"  coalesce($6::jsonb, '[]'))";
	static const char components_sql[] =
		"INSERT INTO components (service_id, chain_version, key, name, kind,"
		" parent_key, supplier_id, contract, alternates, items)"
		" SELECT $1, $2::integer, c.key, c.name, c.kind, c.parent_key, s.id,"
		"  c.contract,"
		"  ARRAY(SELECT a.id FROM jsonb_array_elements_text("
		"     coalesce(c.alternates, '[]')) WITH ORDINALITY AS k(key, n)"
		"   JOIN suppliers a ON a.key = k.key ORDER BY k.n),"
		"  ARRAY(SELECT i.name FROM jsonb_array_elements_text("
		"     coalesce(c.items, '[]')) WITH ORDINALITY AS i(name, n) ORDER BY i.n)"
		" FROM jsonb_to_recordset($3::jsonb) AS c(key text, name text,"
		"   kind text, parent_key text, supplier text, contract text,"
		"   alternates jsonb, items jsonb)"
		" LEFT JOIN suppliers s ON s.key = c.supplier";
	char num[16], *document = kt_chain_dumps(svc->obj, JSON_COMPACT);
	char *rows = component_rows(svc);
	char *sla = svc->sla ? kt_chain_dumps(svc->sla, JSON_COMPACT) : NULL;
	char *rules = svc->rules ? kt_chain_dumps(svc->rules, JSON_COMPACT) : NULL;
	const char *vparams[] = { service_id, num, document, svc->default_component,
				  sla, rules };
	const char *cparams[] = { service_id, num, rows };
	int rc = KT_ERR;

	snprintf(num, sizeof(num), "%d", version);
	if (!document || !rows || (svc->sla && !sla) || (svc->rules && !rules))
		oom(err);
	else if (kt_db_cmd(db, version_sql, 6, vparams, err) == KT_OK &&
		 kt_db_cmd(db, components_sql, 3, cparams, err) == KT_OK)
		rc = KT_OK;
	free(document);
	free(rows);
	free(sla);
	free(rules);
	return rc;
}

/* Creates svc, or gives it a new chain version when its chain differs from
 * the stored one, and records what it did. */
static int apply_service(struct kt_db *db, const struct kt_chain_service *svc,
			 const struct stored_service *st, int dry_run,
			 struct kt_chain_plan *plan, struct kt_err *err)
{
	static const char insert_sql[] =
		"INSERT INTO services (key, customer_id, name, chain_version)"
		" VALUES ($1, (SELECT id FROM customers WHERE key = $2), $3, 1)"
		" RETURNING id";
	static const char next_sql[] =
		"SELECT coalesce(max(version), 0) + 1 FROM chain_versions"
		" WHERE service_id = $1";
	static const char update_sql[] =
		"UPDATE services SET name = $2, chain_version = $3::integer"
		" WHERE id = $1";
	struct kt_chain_change *ch;
	char id[37], num[16], *what = NULL;
	const char *params[] = { svc->key, svc->customer, svc->name };
	const char *id_param[] = { id };
	const char *uparams[] = { id, svc->name, num };
	enum kt_chain_op op;
	int version, differs;
	PGresult *res;

	snprintf(id, sizeof(id), "%s", st->id);
	if (!st->found) {
		op = KT_CHAIN_ADD;
		version = 1;
		if (!(res = kt_db_exec(db, insert_sql, 3, params, err)))
			return KT_ERR;
		copy_id(id, sizeof(id), res);
		PQclear(res);
	} else if ((differs = kt_chain_service_diff(st->document, svc->obj,
						    &what)) < 0) {
		return oom(err);
	} else if (!differs) {
		op = KT_CHAIN_SAME;
		version = st->version;
	} else {
		op = KT_CHAIN_UPDATE;
		if (!(res = kt_db_exec(db, next_sql, 1, id_param, err)))
			goto fail;
		version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		snprintf(num, sizeof(num), "%d", version);
		if (kt_db_cmd(db, update_sql, 3, uparams, err))
			goto fail;
	}
	if (op != KT_CHAIN_SAME && insert_version(db, svc, id, version, err))
		goto fail;
	if (!(ch = kt_chain_plan_add(plan, KT_CHAIN_SERVICE, op, svc->key))) {
		oom(err);
		goto fail;
	}
	ch->version = version;
	ch->n_components = svc->n_components;
	ch->what = what;
	/* A dry run's new row is rolled back: its id would name nothing. */
	if (!(dry_run && op == KT_CHAIN_ADD))
		snprintf(ch->id, sizeof(ch->id), "%s", id);
	return KT_OK;
fail:
	free(what);
	return KT_ERR;
}

/* After the writes, inside the same transaction: a contract the document
 * took away from one of its suppliers must not be named by a component
 * of any service's current chain version, whether this document wrote
 * that version or an earlier change did. Each such component is a detail
 * at the supplier's "contracts". */
static int check_contracts_kept(struct kt_db *db, const struct kt_chain_doc *doc,
				size_t *problems, struct kt_err *err)
{
	static const char sql[] =
		"SELECT c.contract, c.key, s.key FROM suppliers p"
		" JOIN components c ON c.supplier_id = p.id"
		" JOIN services s ON s.id = c.service_id AND s.chain_version = c.chain_version"
		" WHERE p.key = $1 AND c.contract IS NOT NULL"
		"  AND NOT p.contracts @> jsonb_build_array(jsonb_build_object('key', c.contract))"
		" ORDER BY s.key COLLATE \"C\", c.key COLLATE \"C\" LIMIT $2::integer";
	char path[64], limit[16];

	snprintf(limit, sizeof(limit), "%d", KT_ERR_DETAILS_MAX);
	for (size_t i = 0; i < doc->n_suppliers; i++) {
		const char *params[] = { doc->suppliers[i].key, limit };
		PGresult *res = kt_db_exec(db, sql, 2, params, err);

		if (!res)
			return KT_ERR;
		/* A valid document's suppliers are its "suppliers" array. */
		snprintf(path, sizeof(path), "/suppliers/%zu/contracts", i);
		for (int r = 0; r < PQntuples(res); r++) {
			kt_err_detail(err, path, "contract \"%s\" is still named by component "
				      "\"%s\" of service \"%s\"", PQgetvalue(res, r, 0),
				      PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));
			(*problems)++;
		}
		PQclear(res);
	}
	return KT_OK;
}

int kt_store_chain_lock(struct kt_db *db, struct kt_err *err)
{
	const char *params[] = { IMPORT_LOCK, KT_CHAIN_CHANNEL };

	/* The notice goes out at the commit (none after a rollback, such as
	 * a dry run's): every node drops the route plans it keeps. */
	return kt_db_cmd(db, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0)),"
			 " pg_notify($2, '')", 2, params, err);
}

/* For a write of the integrator API: doc's one entity must be new
 * (KT_CHAIN_CREATE, else conflict "already_exists") or exist (KT_CHAIN_REPLACE,
 * else not_found "not_found"). */
static int check_want(struct kt_db *db, const struct kt_chain_doc *doc,
		      enum kt_chain_want want, struct kt_err *err)
{
	enum kt_chain_entity entity;
	const char *params[1];
	PGresult *res;
	int found;

	if (want == KT_CHAIN_UPSERT)
		return KT_OK;
	if (doc->n_customers + doc->n_suppliers + doc->n_services != 1)
		return kt_err_set(err, KT_EC_INTERNAL, "internal",
				  "a write of one entity got %zu", doc->n_customers +
				  doc->n_suppliers + doc->n_services);
	entity = doc->n_customers ? KT_CHAIN_CUSTOMER
	       : doc->n_suppliers ? KT_CHAIN_SUPPLIER : KT_CHAIN_SERVICE;
	params[0] = doc->n_customers ? doc->customers[0].key
		  : doc->n_suppliers ? doc->suppliers[0].key : doc->services[0].key;
	if (!(res = kt_db_exec(db, ref_sql[entity], 1, params, err)))
		return KT_ERR;
	found = PQntuples(res) > 0;
	PQclear(res);
	if (want == KT_CHAIN_CREATE && found)
		return kt_err_set(err, KT_EC_CONFLICT, "already_exists", "%s \"%s\" already exists",
				  entity_word[entity], params[0]);
	if (want == KT_CHAIN_REPLACE && !found)
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such %s", entity_word[entity]);
	return KT_OK;
}

int kt_store_chain_apply(struct kt_db *db, const struct kt_chain_doc *doc,
			 enum kt_chain_want want, int dry_run,
			 struct kt_chain_plan *plan, struct kt_err *err)
{
	struct stored_service *st;
	size_t i, problems = 0;
	int rc = KT_ERR;

	memset(plan, 0, sizeof(*plan));
	plan->dry_run = dry_run;
	st = calloc(doc->n_services ? doc->n_services : 1, sizeof(*st));
	if (!st)
		return oom(err);
	if (kt_store_chain_lock(db, err) || check_want(db, doc, want, err) ||
	    check_refs(db, doc, &problems, err) ||
	    load_services(db, doc, st, &problems, err))
		goto fail;
	if (problems > 0) {
		kt_err_set(err, KT_EC_INVALID, "invalid_chain",
			   "invalid chain document: %zu problem(s)", problems);
		goto fail;
	}
	for (i = 0; i < doc->n_customers; i++)
		if (upsert_entry(db, &customer_table, &doc->customers[i], plan, err))
			goto fail;
	for (i = 0; i < doc->n_suppliers; i++)
		if (upsert_entry(db, &supplier_table, &doc->suppliers[i], plan, err) ||
		    set_ticket_types(db, &doc->suppliers[i], err) ||
		    kt_store_hub_sync_key(db, doc->suppliers[i].key, err))
			goto fail;
	for (i = 0; i < doc->n_services; i++)
		if (apply_service(db, &doc->services[i], &st[i], dry_run, plan, err))
			goto fail;
	if (check_contracts_kept(db, doc, &problems, err))
		goto fail;
	if (problems > 0) {
		kt_err_set(err, KT_EC_INVALID, "invalid_chain",
			   "invalid chain document: %zu problem(s)", problems);
		goto fail;
	}
	kt_chain_plan_sort(plan);
	rc = KT_OK;
	goto out;
fail:
	kt_chain_plan_release(plan);
out:
	for (i = 0; i < doc->n_services; i++)
		json_decref(st[i].document);
	free(st);
	return rc;
}

json_t *kt_store_chain_export(struct kt_db *db, const char *service_key,
			      struct kt_err *err)
{
	/* Keys sort bytewise (COLLATE "C"), whatever the database's locale. */
	static const char sql[] =
		"WITH sv AS (SELECT s.id, s.key, s.customer_id, s.chain_version,"
		"   cv.document FROM services s JOIN chain_versions cv"
		"   ON cv.service_id = s.id AND cv.version = s.chain_version"
		"  WHERE $1::text IS NULL OR s.key = $1),"
		" comps AS (SELECT c.supplier_id, c.alternates FROM components c"
		"  JOIN sv ON c.service_id = sv.id AND c.chain_version = sv.chain_version),"
		" used AS (SELECT supplier_id AS id FROM comps"
		"  UNION SELECT unnest(alternates) FROM comps)"
		" SELECT json_build_object("
		"  'customers', coalesce((SELECT json_agg(json_build_object("
		"     'key', k.key, 'name', k.name) ORDER BY k.key COLLATE \"C\")"
		"   FROM customers k WHERE $1::text IS NULL"
		"    OR k.id IN (SELECT customer_id FROM sv)), '[]'),"
		"  'suppliers', coalesce((SELECT json_agg(jsonb_build_object("
		"     'key', p.key, 'name', p.name, 'adapter', p.adapter,"
		"     'endpoint', p.endpoint, 'secret_ref', p.secret_ref,"
		"     'visibility', p.visibility, 'mapping', p.mapping,"
		"     'contracts', p.contracts, 'delivery', p.delivery, 'auth', p.auth,"
		"     'inbound', p.inbound) || CASE WHEN p.poll IS NULL THEN '{}'::jsonb"
		"     ELSE jsonb_build_object('poll', p.poll) END"
		"    ORDER BY p.key COLLATE \"C\")"
		"   FROM suppliers p WHERE $1::text IS NULL"
		"    OR p.id IN (SELECT id FROM used)), '[]'),"
		"  'services', coalesce((SELECT json_agg(sv.document"
		"     ORDER BY sv.key COLLATE \"C\") FROM sv), '[]'))"
		" WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM sv)";
	const char *params[] = { service_key };
	int found = 0;
	json_t *doc = kt_db_json(db, sql, 1, params, &found, err);

	if (!doc && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_service", "no service \"%s\"", service_key);
	return doc;
}
