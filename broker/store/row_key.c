/* row_key.c - API keys in the database: creating one (its hash only),
 * finding the principal behind a presented key (and noting, coarsely,
 * that it was used), listing and revoking. A row file: the api_keys table
 * (a customer's or supplier's id read beside it). */
#include "base/crypto.h"
#include "base/json_field.h"
#include "http/auth.h"
#include "store/internal.h"
#include "store/row_key.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = digits[in[i] >> 4];
		out[3 + 2 * i] = digits[in[i] & 15];
	}
	out[2 + 2 * n] = '\0';
}

int kt_store_key_create(struct kt_db *db, enum kt_role role, const char *scope,
			const char *name, const char *expires_at,
			const unsigned char hash[KT_KEY_HASH_LEN], char *id,
			struct kt_err *err)
{
	char h[2 * KT_KEY_HASH_LEN + 3];
	const char *params[] = { h, kt_role_name(role), scope, name, expires_at };
	PGresult *res;
	int rc = KT_OK;

	hex(hash, KT_KEY_HASH_LEN, h);
	/* scope is a customer or supplier key, or its uuid. */
	res = kt_db_exec(db,
		"INSERT INTO api_keys (hash, role, customer_id, supplier_id, name, expires_at)"
		" SELECT $1::bytea, $2,"
		"  (SELECT id FROM customers WHERE $2 = 'customer' AND (key = $3 OR id::text = $3)),"
		"  (SELECT id FROM suppliers WHERE $2 = 'supplier' AND (key = $3 OR id::text = $3)),"
		"  $4, $5::timestamptz"
		" WHERE $2 = 'integrator'"
		"  OR EXISTS (SELECT 1 FROM customers WHERE $2 = 'customer' AND (key = $3 OR id::text = $3))"
		"  OR EXISTS (SELECT 1 FROM suppliers WHERE $2 = 'supplier' AND (key = $3 OR id::text = $3))"
		" RETURNING id", 5, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1)
		rc = kt_err_set(err, KT_EC_INVALID, "unknown_scope", "no %s \"%s\"",
				kt_role_name(role), scope ? scope : "");
	else
		snprintf(id, KT_UUID_LEN + 1, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int kt_store_key_principal(struct kt_db *db, const unsigned char hash[KT_KEY_HASH_LEN],
			   int last_used_s, struct kt_principal *out, struct kt_err *err)
{
	char h[2 * KT_KEY_HASH_LEN + 3], every[16];
	const char *params[] = { h, every };
	PGresult *res;
	int rc = KT_OK;

	hex(hash, KT_KEY_HASH_LEN, h);
	snprintf(every, sizeof(every), "%d", last_used_s);
	/* The lookup also notes the use, at most once per last_used_s: a
	 * node looks a key up once per key_cache_ms, not per request. */
	res = kt_db_exec(db,
		"WITH k AS (SELECT k.id, k.role, coalesce(k.customer_id::text, '') AS customer_id,"
		"   coalesce(k.supplier_id::text, '') AS supplier_id, coalesce(s.key, '') AS skey,"
		"   k.hash, k.revoked_at IS NOT NULL AS revoked,"
		"   k.expires_at IS NOT NULL AND k.expires_at <= now() AS expired,"
		"   coalesce(floor(extract(epoch FROM k.expires_at))::bigint, 0) AS expires_s,"
		"   k.last_used_at"
		"  FROM api_keys k LEFT JOIN suppliers s ON s.id = k.supplier_id"
		"  WHERE k.hash = $1::bytea),"
		" u AS (UPDATE api_keys a SET last_used_at = now() FROM k"
		"  WHERE a.id = k.id AND NOT k.revoked AND NOT k.expired"
		"   AND (k.last_used_at IS NULL"
		"    OR k.last_used_at < now() - make_interval(secs => $2::integer)))"
		" SELECT role, customer_id, supplier_id, skey, hash, id, revoked, expired, expires_s"
		" FROM k", 2, params, err);
	if (!res)
		return KT_ERR;
	memset(out, 0, sizeof(*out));
	/* The index found the row by hash; compare once more in constant time
	 * so that no byte-by-byte comparison of key material is observable. */
	if (PQntuples(res) != 1 ||
	    strlen(PQgetvalue(res, 0, 4)) != strlen(h) ||
	    !kt_crypto_equal(PQgetvalue(res, 0, 4), h, strlen(h)) ||
	    kt_role_parse(PQgetvalue(res, 0, 0), &out->role) != KT_OK) {
		rc = kt_err_set(err, KT_EC_UNAUTHENTICATED, "unauthorized", "unknown API key");
	} else if (PQgetvalue(res, 0, 6)[0] == 't') {
		rc = kt_err_set(err, KT_EC_UNAUTHENTICATED, "key_revoked", "the API key was revoked");
	} else if (PQgetvalue(res, 0, 7)[0] == 't') {
		rc = kt_err_set(err, KT_EC_UNAUTHENTICATED, "key_expired", "the API key has expired");
	} else {
		snprintf(out->customer_id, sizeof(out->customer_id), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->supplier_id, sizeof(out->supplier_id), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->supplier_key, sizeof(out->supplier_key), "%s", PQgetvalue(res, 0, 3));
		snprintf(out->key_id, sizeof(out->key_id), "%s", PQgetvalue(res, 0, 5));
		out->expires_s = strtoll(PQgetvalue(res, 0, 8), NULL, 10);
	}
	if (rc != KT_OK)
		memset(out, 0, sizeof(*out));
	PQclear(res);
	return rc;
}

/* One key as the listing shows it (k: api_keys). */
#define KEY_JSON \
	"json_build_object('id', k.id, 'name', k.name, 'role', k.role," \
	" 'customer', (SELECT c.key FROM customers c WHERE c.id = k.customer_id)," \
	" 'supplier', (SELECT s.key FROM suppliers s WHERE s.id = k.supplier_id)," \
	" 'state', CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'" \
	"  WHEN k.expires_at <= now() THEN 'expired' ELSE 'active' END," \
	" 'created_at', kt_ts(k.created_at), 'expires_at', kt_ts(k.expires_at)," \
	" 'revoked_at', kt_ts(k.revoked_at), 'last_used_at', kt_ts(k.last_used_at))"

json_t *kt_store_key_list(struct kt_db *db, int limit, const char *cursor,
			  struct kt_err *err)
{
	return kt_db_id_page(db, KT_STORE_ID_PAGE("api_keys", "k", KEY_JSON), limit, cursor, err);
}

json_t *kt_store_key_revoke(struct kt_db *db, const char *id, struct kt_err *err)
{
	const char *params[] = { id };
	int found = 0;
	json_t *v;

	if (!kt_is_uuid(id)) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_key", "no API key \"%s\"", id);
		return NULL;
	}
	v = kt_db_json(db,
		"UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, now())"
		" WHERE k.id = $1::uuid RETURNING " KEY_JSON, 1, params, &found, err);
	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_key", "no API key \"%s\"", id);
	return v;
}
