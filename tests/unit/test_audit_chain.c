/* test_audit_chain.c - unit tests of broker/model/audit_chain.c: the
 * canonical bytes of a record (a golden vector the system test also
 * checks against PostgreSQL's keten_audit_bytes), NULL and empty fields,
 * lengths in bytes, no two field lists giving the same bytes, and the
 * walk's first broken link for an edited, removed or reordered record, a
 * head that disagrees and a checkpoint that differs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/audit_chain.h"

#define TICKET "0b5c2f1e-9d3a-4c7e-8f00-1234567890ab"
/* The golden record's bytes and SHA-256 (also checked in PostgreSQL by
 * tests/system/audit.test.mjs). */
#define GOLDEN_BYTES \
	"13:keten-audit-1,5:event,2:17,36:" TICKET ",~~7:comment,8:customer," \
	"13:customer:acme,13:customer:acme,27:2026-12-06T01:02:03.000004Z," \
	"27:2026-12-06T01:02:03.123456Z,17:{\"text\": \"caf\xc3\xa9\"},"
#define GOLDEN_HASH "26cd3160e929eec1e4ba33e8861575f9eedbcc2648383c51de65c722c071c5fa"

static struct kt_audit_record golden(void)
{
	struct kt_audit_record r = {
		.type = KT_AUDIT_EVENT, .id = "17", .ticket_id = TICKET, .seq = 1,
		.fields = { NULL, "comment", "customer", "customer:acme", "customer:acme",
			    "2026-12-06T01:02:03.000004Z", "2026-12-06T01:02:03.123456Z",
			    "{\"text\": \"caf\xc3\xa9\"}" },
		.n_fields = KT_AUDIT_EVENT_FIELDS,
	};
	return r;
}

static void canon_of(const struct kt_audit_record *r, struct kt_buf *b)
{
	struct kt_err err = { 0 };

	kt_buf_init(b, 1 << 20);
	assert_int_equal(kt_audit_canon(r, b, &err), KT_OK);
}

static void test_golden(void **state)
{
	struct kt_audit_record r = golden();
	char hex[KT_SHA256_HEX_LEN + 1];
	struct kt_err err = { 0 };
	struct kt_buf b;

	(void)state;
	canon_of(&r, &b);
	assert_string_equal(kt_buf_str(&b), GOLDEN_BYTES);
	kt_buf_release(&b);
	assert_int_equal(kt_audit_hash_hex(&r, hex, &err), KT_OK);
	assert_string_equal(hex, GOLDEN_HASH);
}

static void test_fields(void **state)
{
	struct kt_audit_record m = {
		.type = KT_AUDIT_MESSAGE, .id = "5", .ticket_id = TICKET, .prev_hex = "ab",
		.fields = { "leg", "1", "create", "", NULL, "t" }, .n_fields = KT_AUDIT_MESSAGE_FIELDS,
	};
	struct kt_buf b;

	(void)state;
	canon_of(&m, &b);
	/* The previous hash is a field; "" is 0:, and NULL is ~ */
	assert_string_equal(kt_buf_str(&b), "13:keten-audit-1,7:message,1:5,36:" TICKET ",2:ab,"
			    "3:leg,1:1,6:create,0:,~1:t,");
	kt_buf_release(&b);
	/* Trailing NULL fields are left out: a nullable column appended later
	 * leaves older records' bytes as they were. */
	m.n_fields = KT_AUDIT_MESSAGE_FIELDS + 2;
	canon_of(&m, &b);
	assert_string_equal(kt_buf_str(&b), "13:keten-audit-1,7:message,1:5,36:" TICKET ",2:ab,"
			    "3:leg,1:1,6:create,0:,~1:t,");
	kt_buf_release(&b);
	m.fields[KT_AUDIT_MESSAGE_FIELDS + 1] = "k";
	canon_of(&m, &b);
	assert_string_equal(kt_buf_str(&b), "13:keten-audit-1,7:message,1:5,36:" TICKET ",2:ab,"
			    "3:leg,1:1,6:create,0:,~1:t,~1:k,");
	kt_buf_release(&b);
}

static void test_unambiguous(void **state)
{
	/* Moving a separator between two fields, or a value between NULL
	 * and "~", changes the bytes, so the hash. */
	static const char *const lists[][2] = {
		{ "a,b", "c" }, { "a", "b,c" }, { "a1:b", "c" }, { "~", NULL }, { NULL, "~" },
		{ "", NULL }, { NULL, "" },
	};
	char hex[N_ELEMS(lists)][KT_SHA256_HEX_LEN + 1];
	struct kt_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(lists); i++) {
		struct kt_audit_record r = golden();

		r.fields[1] = lists[i][0];
		r.fields[2] = lists[i][1];
		assert_int_equal(kt_audit_hash_hex(&r, hex[i], &err), KT_OK);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(hex[i], hex[j]);
	}
}

/* A chain of n golden-like records with their hashes and links. */
#define N 5
static char ids[N][8], texts[N][16], hashes[N][KT_SHA256_HEX_LEN + 1];

static void make_chain(struct kt_audit_record *recs)
{
	struct kt_err err = { 0 };

	for (int i = 0; i < N; i++) {
		recs[i] = golden();
		snprintf(ids[i], sizeof(ids[i]), "%d", 10 + i);
		snprintf(texts[i], sizeof(texts[i]), "{\"n\": %d}", i);
		recs[i].id = ids[i];
		recs[i].fields[7] = texts[i];
		recs[i].seq = i + 1;
		recs[i].prev_hex = i ? hashes[i - 1] : NULL;
		assert_int_equal(kt_audit_hash_hex(&recs[i], hashes[i], &err), KT_OK);
		recs[i].hash_hex = hashes[i];
	}
}

static struct kt_audit_finding walk(const struct kt_audit_record *recs, size_t n,
				    long long head_seq, const char *head_hex,
				    const struct kt_audit_head *anchor)
{
	struct kt_audit_head head = { head_seq, head_hex };
	struct kt_audit_finding f;
	struct kt_err err = { 0 };

	assert_int_equal(kt_audit_walk(recs, n, &head, anchor, &f, &err), KT_OK);
	return f;
}

static void test_walk_intact(void **state)
{
	struct kt_audit_record recs[N];
	struct kt_audit_head anchor = { 3, NULL };

	(void)state;
	make_chain(recs);
	anchor.hash_hex = hashes[2];
	assert_int_equal(walk(recs, N, N, hashes[N - 1], &anchor).kind, KT_AUDIT_INTACT);
	assert_int_equal(walk(NULL, 0, -1, NULL, NULL).kind, KT_AUDIT_INTACT);
	assert_string_equal(kt_audit_break_name(KT_AUDIT_REORDERED), "reordered");
}

static void test_walk_edited(void **state)
{
	struct kt_audit_record recs[N];
	struct kt_audit_finding f;

	(void)state;
	make_chain(recs);
	recs[2].fields[7] = "{\"n\": 99}";
	f = walk(recs, N, N, hashes[N - 1], NULL);
	assert_int_equal(f.kind, KT_AUDIT_EDITED);
	assert_int_equal(f.seq, 3);
	assert_ptr_equal(f.record, &recs[2]);
	/* a record written with the trigger off has no link at all */
	make_chain(recs);
	recs[N - 1].hash_hex = NULL;
	f = walk(recs, N, N - 1, hashes[N - 2], NULL);
	assert_int_equal(f.kind, KT_AUDIT_EDITED);
	assert_string_equal(f.why, "it has no link: written with the chain's trigger off");
	/* its id is hashed too: a record given another id is edited */
	make_chain(recs);
	recs[1].id = "99";
	assert_int_equal(walk(recs, N, N, hashes[N - 1], NULL).kind, KT_AUDIT_EDITED);
}

static void test_walk_removed(void **state)
{
	struct kt_audit_record recs[N];
	struct kt_audit_finding f;

	(void)state;
	make_chain(recs);
	/* the third record gone */
	memmove(&recs[2], &recs[3], 2 * sizeof(recs[0]));
	f = walk(recs, N - 1, N, hashes[N - 1], NULL);
	assert_int_equal(f.kind, KT_AUDIT_REMOVED);
	assert_int_equal(f.seq, 3);
	assert_string_equal(f.why, "place 3 is missing (the next record is at place 4)");
	/* ... and the later places renumbered to hide the gap */
	recs[2].seq = 3;
	recs[3].seq = 4;
	f = walk(recs, N - 1, N - 1, hashes[N - 1], NULL);
	assert_int_equal(f.kind, KT_AUDIT_REMOVED);
	assert_int_equal(f.seq, 3);
	/* the first record gone */
	make_chain(recs);
	for (int i = 1; i < N; i++)
		recs[i].seq = i;
	f = walk(recs + 1, N - 1, N - 1, hashes[N - 1], NULL);
	assert_int_equal(f.kind, KT_AUDIT_REMOVED);
	assert_int_equal(f.seq, 1);
	/* the last record gone: the head is past the chain */
	make_chain(recs);
	f = walk(recs, N - 1, N, hashes[N - 1], NULL);
	assert_int_equal(f.kind, KT_AUDIT_REMOVED);
	assert_int_equal(f.seq, N);
	assert_null(f.record);
}

static void test_walk_reordered(void **state)
{
	struct kt_audit_record recs[N], t;
	struct kt_audit_finding f;

	(void)state;
	make_chain(recs);
	/* places 2 and 3 swapped (sorted by place again) */
	t = recs[1];
	recs[1] = recs[2];
	recs[2] = t;
	recs[1].seq = 2;
	recs[2].seq = 3;
	f = walk(recs, N, N, hashes[N - 1], NULL);
	assert_int_equal(f.kind, KT_AUDIT_REORDERED);
	assert_int_equal(f.seq, 2);
	assert_string_equal(f.record->id, "12");
	/* one place held by two records */
	make_chain(recs);
	recs[2].seq = 2;
	f = walk(recs, N, N, hashes[N - 1], NULL);
	assert_int_equal(f.kind, KT_AUDIT_REORDERED);
}

static void test_walk_head_anchor(void **state)
{
	struct kt_audit_record recs[N];
	struct kt_audit_head anchor = { 2, "00" };
	struct kt_audit_finding f;

	(void)state;
	make_chain(recs);
	assert_int_equal(walk(recs, N, -1, NULL, NULL).kind, KT_AUDIT_HEAD);
	assert_int_equal(walk(recs, N, N, hashes[0], NULL).kind, KT_AUDIT_HEAD);
	assert_int_equal(walk(recs, N, N - 1, hashes[N - 2], NULL).kind, KT_AUDIT_HEAD);
	f = walk(recs, N, N, hashes[N - 1], &anchor);
	assert_int_equal(f.kind, KT_AUDIT_ANCHOR);
	assert_int_equal(f.seq, 2);
	/* a checkpoint past the chain: records were removed and the head moved back */
	anchor.seq = N + 2;
	f = walk(recs, N, N, hashes[N - 1], &anchor);
	assert_int_equal(f.kind, KT_AUDIT_REMOVED);
	assert_int_equal(f.seq, N + 1);
	/* a ticket the checkpoint knows and the database does not */
	f = walk(NULL, 0, -1, NULL, &anchor);
	assert_int_equal(f.kind, KT_AUDIT_REMOVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_unambiguous),
		cmocka_unit_test(test_walk_intact),
		cmocka_unit_test(test_walk_edited),
		cmocka_unit_test(test_walk_removed),
		cmocka_unit_test(test_walk_reordered),
		cmocka_unit_test(test_walk_head_anchor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
