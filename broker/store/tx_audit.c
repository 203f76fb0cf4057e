/* tx_audit.c - the trail read back for `keten audit` (see
 * store/tx_audit.h). The record fields are read as the canonical form of
 * model/audit_chain.h needs them, with PostgreSQL's own casts only: no
 * function of migration 029 is trusted to read what it wrote. */
#include "store/internal.h"
#include "store/tx_audit.h"

#define TICKETS_PER_PAGE "100"
#define HEADS_PER_PAGE "1000"

/* A time as the canonical form writes it (migration 029 keten_audit_ts). */
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

enum { C_TICKET, C_NUMBER, C_HEAD_SEQ, C_HEAD, C_TYPE, C_ID, C_SEQ, C_PREV, C_HASH, C_F1 };

/* The tickets after $1 (NULL: from the first), only $2 when not NULL, as
 * ranges an index walks from where the last page ended. */
#define AFTER(col) \
	col " > coalesce($1::uuid, '" NIL "') AND " col " >= coalesce($2::uuid, '" NIL "')" \
	" AND " col " <= coalesce($2::uuid, '" MAX "') ORDER BY " col " LIMIT " TICKETS_PER_PAGE
#define NIL "00000000-0000-0000-0000-000000000000"
#define MAX "ffffffff-ffff-ffff-ffff-ffffffffffff"

static const char PAGE_SQL[] =
	"WITH t AS (SELECT id FROM ((SELECT id FROM tickets WHERE " AFTER("id") ")"
	"  UNION (SELECT ticket_id FROM audit_heads WHERE " AFTER("ticket_id") ")) x"
	"  ORDER BY id LIMIT " TICKETS_PER_PAGE ")"
	" SELECT t.id::text, k.number, h.seq, encode(h.head, 'hex'), r.type, r.id::text,"
	"  r.chain_seq, encode(r.chain_prev, 'hex'), encode(r.chain_hash, 'hex'),"
	"  r.f1, r.f2, r.f3, r.f4, r.f5, r.f6, r.f7, r.f8, r.f9, r.f10"
	" FROM t LEFT JOIN tickets k ON k.id = t.id LEFT JOIN audit_heads h ON h.ticket_id = t.id"
	" LEFT JOIN LATERAL ("
	"  SELECT 'event' AS type, e.id, e.chain_seq, e.chain_prev, e.chain_hash,"
	"   e.leg_id::text AS f1, e.kind AS f2, e.visibility AS f3, e.actor AS f4, e.holder AS f5,"
	"   " TS("e.occurred_at") " AS f6, " TS("e.recorded_at") " AS f7, e.data::text AS f8,"
	"   e.key_id::text AS f9, e.person_id::text AS f10"
	"  FROM events e WHERE e.ticket_id = t.id"
	"  UNION ALL"
	"  SELECT 'message', o.id, o.chain_seq, o.chain_prev, o.chain_hash,"
	"   o.leg_id::text, o.seq::text, o.operation, o.idempotency_key, o.payload::text,"
	"   " TS("o.created_at") ", NULL, NULL, NULL, NULL"
	"  FROM outbox o JOIN legs l ON l.id = o.leg_id WHERE l.ticket_id = t.id"
	"  UNION ALL"
	"  SELECT 'message', o.id, o.chain_seq, o.chain_prev, o.chain_hash,"
	"   o.leg_id::text, o.seq::text, o.operation, o.idempotency_key, o.payload::text,"
	"   " TS("o.created_at") ", NULL, NULL, NULL, NULL"
	"  FROM outbox o WHERE o.ticket_id = t.id) r ON true"
	" ORDER BY t.id, r.chain_seq, r.type, r.id";

static const char *val(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void read_record(const PGresult *res, int row, struct kt_audit_record *r)
{
	r->type = strcmp(PQgetvalue(res, row, C_TYPE), "event") == 0 ? KT_AUDIT_EVENT
								     : KT_AUDIT_MESSAGE;
	r->id = val(res, row, C_ID);
	r->ticket_id = PQgetvalue(res, row, C_TICKET);
	r->seq = strtoll(PQgetvalue(res, row, C_SEQ), NULL, 10);
	r->prev_hex = val(res, row, C_PREV);
	r->hash_hex = val(res, row, C_HASH);
	r->n_fields = r->type == KT_AUDIT_EVENT ? KT_AUDIT_EVENT_FIELDS : KT_AUDIT_MESSAGE_FIELDS;
	for (size_t i = 0; i < r->n_fields; i++)
		r->fields[i] = val(res, row, C_F1 + (int)i);
}

/* Hands the tickets of one page to fn; *last gets the last ticket id. */
static int each_in_page(const PGresult *res, struct kt_audit_record *recs,
			kt_audit_ticket_fn fn, void *arg, char *last, struct kt_err *err)
{
	int rows = PQntuples(res);

	for (int i = 0; i < rows;) {
		const char *ticket = PQgetvalue(res, i, C_TICKET);
		struct kt_audit_head head = { -1, NULL };
		size_t n = 0;
		int j;

		if (!PQgetisnull(res, i, C_HEAD_SEQ)) {
			head.seq = strtoll(PQgetvalue(res, i, C_HEAD_SEQ), NULL, 10);
			head.hash_hex = val(res, i, C_HEAD);
		}
		for (j = i; j < rows && strcmp(PQgetvalue(res, j, C_TICKET), ticket) == 0; j++)
			if (!PQgetisnull(res, j, C_TYPE))
				read_record(res, j, &recs[n++]);
		if (fn(arg, ticket, val(res, i, C_NUMBER), &head, recs, n, err))
			return KT_ERR;
		snprintf(last, 37, "%s", ticket);
		i = j;
	}
	return KT_OK;
}

int kt_store_audit_each(struct kt_db *db, const char *only_ticket, kt_audit_ticket_fn fn,
			void *arg, struct kt_err *err)
{
	char last[37] = "";

	for (;;) {
		const char *params[] = { last[0] ? last : NULL, only_ticket };
		struct kt_audit_record *recs;
		PGresult *res = kt_db_exec(db, PAGE_SQL, 2, params, err);
		int rc;

		if (!res)
			return KT_ERR;
		if (PQntuples(res) == 0) {
			PQclear(res);
			return KT_OK;
		}
		if (!(recs = calloc((size_t)PQntuples(res), sizeof(*recs)))) {
			PQclear(res);
			return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		}
		rc = each_in_page(res, recs, fn, arg, last, err);
		free(recs);
		PQclear(res);
		if (rc || only_ticket)
			return rc;
	}
}

int kt_store_audit_heads(struct kt_db *db, kt_audit_head_fn fn, void *arg, struct kt_err *err)
{
	char last[37] = "";

	for (;;) {
		const char *params[] = { last[0] ? last : NULL };
		PGresult *res = kt_db_exec(db,
			"SELECT ticket_id::text, seq, encode(head, 'hex') FROM audit_heads"
			" WHERE ticket_id > coalesce($1::uuid, '" NIL "') AND seq > 0"
			" ORDER BY ticket_id LIMIT " HEADS_PER_PAGE, 1, params, err);
		int rows;

		if (!res)
			return KT_ERR;
		rows = PQntuples(res);
		for (int i = 0; i < rows; i++)
			if (fn(arg, PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 1), NULL, 10),
			       PQgetvalue(res, i, 2), err)) {
				PQclear(res);
				return KT_ERR;
			}
		if (rows)
			snprintf(last, sizeof(last), "%s", PQgetvalue(res, rows - 1, 0));
		PQclear(res);
		if (rows == 0)
			return KT_OK;
	}
}
