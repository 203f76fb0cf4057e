/* row_key.c - API keys in the database: creating one (its hash only) and
 * finding the principal behind a presented key. A row file: the api_keys
 * table (a customer's or supplier's id read beside it). */
#include "base/crypto.h"
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
			const unsigned char hash[KT_KEY_HASH_LEN], struct kt_err *err)
{
	char h[2 * KT_KEY_HASH_LEN + 3];
	const char *params[] = { h, kt_role_name(role), scope };
	PGresult *res;
	int rc = KT_OK;

	hex(hash, KT_KEY_HASH_LEN, h);
	/* scope is a customer or supplier key, or its uuid. */
	res = kt_db_exec(db,
		"INSERT INTO api_keys (hash, role, customer_id, supplier_id)"
		" SELECT $1::bytea, $2,"
		"  (SELECT id FROM customers WHERE $2 = 'customer' AND (key = $3 OR id::text = $3)),"
		"  (SELECT id FROM suppliers WHERE $2 = 'supplier' AND (key = $3 OR id::text = $3))"
		" WHERE $2 = 'integrator'"
		"  OR EXISTS (SELECT 1 FROM customers WHERE $2 = 'customer' AND (key = $3 OR id::text = $3))"
		"  OR EXISTS (SELECT 1 FROM suppliers WHERE $2 = 'supplier' AND (key = $3 OR id::text = $3))"
		" RETURNING id", 3, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1)
		rc = kt_err_set(err, KT_EC_INVALID, "unknown_scope", "no %s \"%s\"",
				kt_role_name(role), scope ? scope : "");
	PQclear(res);
	return rc;
}

int kt_store_key_principal(struct kt_db *db, const unsigned char hash[KT_KEY_HASH_LEN],
			   struct kt_principal *out, struct kt_err *err)
{
	char h[2 * KT_KEY_HASH_LEN + 3];
	const char *params[] = { h };
	PGresult *res;
	int rc = KT_OK;

	hex(hash, KT_KEY_HASH_LEN, h);
	res = kt_db_exec(db,
		"SELECT k.role, coalesce(k.customer_id::text, ''),"
		" coalesce(k.supplier_id::text, ''), coalesce(s.key, ''), k.hash, k.id"
		" FROM api_keys k LEFT JOIN suppliers s ON s.id = k.supplier_id"
		" WHERE k.hash = $1::bytea", 1, params, err);
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
	} else {
		snprintf(out->customer_id, sizeof(out->customer_id), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->supplier_id, sizeof(out->supplier_id), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->supplier_key, sizeof(out->supplier_key), "%s", PQgetvalue(res, 0, 3));
		snprintf(out->key_id, sizeof(out->key_id), "%s", PQgetvalue(res, 0, 5));
	}
	PQclear(res);
	return rc;
}
