/* api_admin.c - the integrator API on customers, suppliers and services:
 * GET/POST /v1/{customers,suppliers,services}, GET/PUT/DELETE .../{key or
 * id}, and GET /v1/services/{id}/chain. A body is one object of the chain
 * document; it is written as a chain import of a one-entity document (the
 * same checks, the same statements), so a service's changed chain gets a
 * new version exactly as `keten chain import` would give it. */
#include <errno.h>
#include <limits.h>

#include "http/api.h"
#include "http/key_cache.h"
#include "model/chain_doc.h"
#include "sla/zones.h"
#include "store/tx_admin.h"

static const char *const list_names[] = {
	[KT_CHAIN_CUSTOMER] = "customers",
	[KT_CHAIN_SUPPLIER] = "suppliers",
	[KT_CHAIN_SERVICE] = "services",
};

static const char *const words[] = {
	[KT_CHAIN_CUSTOMER] = "customer",
	[KT_CHAIN_SUPPLIER] = "supplier",
	[KT_CHAIN_SERVICE] = "service",
};

/* The kind a route is about: "/v1/<list>...". */
static enum kt_chain_entity entity_of(const struct kt_request *r)
{
	const char *rest = r->route->pattern + strlen("/v1/");

	for (int e = KT_CHAIN_CUSTOMER; e < KT_CHAIN_SERVICE; e++)
		if (strncmp(rest, list_names[e], strlen(list_names[e])) == 0)
			return (enum kt_chain_entity)e;
	return KT_CHAIN_SERVICE;
}

/* s without each occurrence of prefix that a '/' or the end follows: a
 * path of the one-entity document as a path of the body. New string, or
 * NULL when out of memory. */
static char *unwrapped(const char *s, const char *prefix)
{
	size_t plen = strlen(prefix), n = 0;
	char *out = malloc(strlen(s) + 1);

	if (!out)
		return NULL;
	while (*s) {
		if (strncmp(s, prefix, plen) == 0 && (s[plen] == '/' || s[plen] == '\0'))
			s += plen;
		else
			out[n++] = *s++;
	}
	out[n] = '\0';
	return out;
}

/* Rewrites err's details (paths, and paths quoted in messages) from the
 * one-entity document ("/suppliers/0/name") to the body ("/name"). */
static void unwrap_details(struct kt_err *err, enum kt_chain_entity e)
{
	static const char *const members[] = { "path", "message" };
	char prefix[32];
	json_t *d;
	size_t i;

	snprintf(prefix, sizeof(prefix), "/%s/0", list_names[e]);
	json_array_foreach(err->details, i, d) {
		for (size_t m = 0; m < 2; m++) {
			const char *s = json_string_value(json_object_get(d, members[m]));
			char *u = s ? unwrapped(s, prefix) : NULL;

			if (u)
				json_object_set_new(d, members[m], json_string(u));
			free(u);
		}
	}
	if (err->cls == KT_EC_INVALID)
		kt_err_set(err, KT_EC_INVALID, "invalid_chain", "invalid %s: see details", words[e]);
}

/* The body as a one-entity chain document, checked. key: the stored key
 * for a PUT (a body without one gets it; another one is a problem), NULL
 * for a POST. The read-only members of an answer ("id", a service's
 * "chain_version") are dropped, so an answer can be edited and sent back. */
static int body_doc(const struct kt_request *r, enum kt_chain_entity e,
		    const char *key, struct kt_chain_doc **doc, struct kt_err *err)
{
	json_t *body = kt_api_body_json(r, err), *root, *k;
	int renamed = 0, rc;

	*doc = NULL;
	if (!body)
		return KT_ERR;
	json_object_del(body, "id");
	if (e == KT_CHAIN_SERVICE)
		json_object_del(body, "chain_version");
	k = json_object_get(body, "key");
	if (key && !k)
		json_object_set_new(body, "key", json_string(key));
	else if (key)
		renamed = !json_is_string(k) || strcmp(json_string_value(k), key) != 0;
	root = json_pack("{s:[o]}", list_names[e], body); /* takes body */
	if (!root)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	rc = kt_chain_doc_check(root, doc, err);
	if (rc == KT_OK && kt_sla_zones_check(*doc, err)) {
		kt_chain_doc_free(*doc);
		*doc = NULL;
		rc = KT_ERR;
	}
	json_decref(root);
	if (renamed) {
		kt_err_detail(err, "/key", "must be \"%s\": a key cannot change", key);
		kt_chain_doc_free(*doc);
		*doc = NULL;
		if (rc == KT_OK)
			kt_err_set(err, KT_EC_INVALID, "invalid_chain", "invalid %s", words[e]);
		rc = KT_ERR;
	}
	if (rc)
		unwrap_details(err, e);
	return rc;
}

struct write_work {
	enum kt_chain_entity entity;
	enum kt_chain_want want;
	const struct kt_chain_doc *doc;
};

/* Inside the request's transaction: the import of the one entity, then
 * the stored object as the answer. */
static int write_entity(struct kt_db *db, void *arg, struct kt_store_answer *out,
			struct kt_err *err)
{
	struct write_work *w = arg;
	struct kt_chain_plan plan;
	json_t *obj;

	if (kt_store_chain_apply(db, w->doc, w->want, 0, &plan, err)) {
		unwrap_details(err, w->entity);
		return KT_ERR;
	}
	obj = kt_store_admin_get(db, w->entity, plan.changes[0].id, err);
	kt_chain_plan_release(&plan);
	if (!obj)
		return KT_ERR;
	return kt_api_answer_set(out, w->want == KT_CHAIN_CREATE ? 201 : 200, obj, err);
}

int kt_api_admin_create(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct write_work w = { .entity = entity_of(r), .want = KT_CHAIN_CREATE };
	struct kt_chain_doc *doc;
	int rc;

	if (body_doc(r, w.entity, NULL, &doc, err))
		return KT_ERR;
	w.doc = doc;
	rc = kt_api_create(db, r, write_entity, &w, KT_STORE_WRITES_MANY, err);
	kt_chain_doc_free(doc);
	return rc;
}

int kt_api_admin_update(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct write_work w = { .entity = entity_of(r), .want = KT_CHAIN_REPLACE };
	struct kt_store_entity found;
	struct kt_store_answer answer;
	struct kt_chain_doc *doc;
	int rc;

	if (kt_store_admin_find(db, w.entity, r->params[0], &found, err) ||
	    body_doc(r, w.entity, found.key, &doc, err))
		return KT_ERR;
	w.doc = doc;
	/* A PUT repeats safely by itself: one transaction, no kept answer. */
	rc = kt_store_idempotency_create(db, NULL, 0, write_entity, &w, KT_STORE_WRITES_MANY,
					 &answer, err);
	kt_chain_doc_free(doc);
	if (rc)
		return KT_ERR;
	r->status = answer.status;
	r->answer_text = answer.body; /* owned by r from here */
	return KT_OK;
}

int kt_api_admin_get(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	enum kt_chain_entity e = entity_of(r);
	struct kt_store_entity found;

	if (kt_store_admin_find(db, e, r->params[0], &found, err) ||
	    !(r->answer = kt_store_admin_get(db, e, found.id, err)))
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_admin_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	int limit;

	if (kt_api_list_limit(r, &limit, err))
		return KT_ERR;
	/* the cursor is the last key of a page */
	if (r->query_cursor && !kt_chain_key_valid(r->query_cursor, strlen(r->query_cursor)))
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_cursor", "cursor is not valid");
	if (!(r->answer = kt_store_admin_list(db, entity_of(r), limit, r->query_cursor, err)))
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_admin_delete(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	enum kt_chain_entity e = entity_of(r);
	struct kt_store_entity found;

	if (kt_store_admin_find(db, e, r->params[0], &found, err) ||
	    kt_store_admin_delete(db, e, found.id, err))
		return KT_ERR;
	/* Its keys went with it: on this node at once, on the others within
	 * key_cache_ms. */
	if (e != KT_CHAIN_SERVICE)
		kt_key_cache_clear(r->app->keys);
	r->status = 204;
	return KT_OK;
}

int kt_api_service_chain(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct kt_store_entity svc;
	long version = 0;
	char *end;

	if (r->query_version) {
		errno = 0;
		version = strtol(r->query_version, &end, 10);
		if (errno || *end || end == r->query_version || version < 1 || version > INT_MAX)
			return kt_err_set(err, KT_EC_MALFORMED, "invalid_version",
					  "version must be a whole number from 1");
	}
	if (kt_store_admin_find(db, KT_CHAIN_SERVICE, r->params[0], &svc, err) ||
	    !(r->answer = kt_store_admin_chain_version(db, svc.id, (int)version, err)))
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}
