/* test_audit_anchor.c - unit tests of broker/model/audit_anchor.c: a
 * checkpoint written, signed and read back; its MAC refusing another key
 * and any edited byte; and the malformed checkpoints it refuses even when
 * their MAC is right (bad lines, a ticket twice, no mac line). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/audit_anchor.h"

#define T1 "0b5c2f1e-9d3a-4c7e-8f00-1234567890ab"
#define T2 "7f000000-0000-4000-8000-000000000001"
#define H1 "26cd3160e929eec1e4ba33e8861575f9eedbcc2648383c51de65c722c071c5fa"
#define H2 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define KEY "audit key"

/* A signed checkpoint of lines (each ending in "\n") after the header. */
static void signed_text(struct kt_buf *b, const char *lines, const char *key)
{
	struct kt_err err = { 0 };

	kt_buf_init(b, 1 << 20);
	kt_audit_anchor_begin(b, "2026-12-06T01:00:00.000Z");
	kt_buf_adds(b, lines);
	assert_int_equal(kt_audit_anchor_sign(b, key, strlen(key), &err), KT_OK);
}

static int parse(const struct kt_buf *b, const char *key, struct kt_audit_anchor *a,
		 struct kt_err *err)
{
	return kt_audit_anchor_parse(b->data, b->len, key, strlen(key), a, err);
}

static void test_round_trip(void **state)
{
	struct kt_audit_anchor a;
	struct kt_err err = { 0 };
	struct kt_buf b;
	long i;

	(void)state;
	kt_buf_init(&b, 1 << 20);
	kt_audit_anchor_begin(&b, "2026-12-06T01:00:00.000Z");
	/* written out of order: read back sorted */
	kt_audit_anchor_add(&b, T2, 3, H2);
	kt_audit_anchor_add(&b, T1, 12, H1);
	assert_int_equal(kt_audit_anchor_sign(&b, KEY, strlen(KEY), &err), KT_OK);
	assert_non_null(strstr(kt_buf_str(&b), "\n" T1 " 12 " H1 "\nmac "));
	assert_int_equal(parse(&b, KEY, &a, &err), KT_OK);
	assert_string_equal(a.at, "2026-12-06T01:00:00.000Z");
	assert_int_equal(a.n, 2);
	i = kt_audit_anchor_find(&a, T1);
	assert_int_equal(i, 0);
	assert_int_equal(a.entries[i].head.seq, 12);
	assert_string_equal(a.entries[i].head.hash_hex, H1);
	assert_int_equal(a.entries[kt_audit_anchor_find(&a, T2)].head.seq, 3);
	assert_int_equal(kt_audit_anchor_find(&a, "7f000000-0000-4000-8000-000000000002"), -1);
	assert_int_equal(kt_audit_anchor_find(&a, "short"), -1);
	kt_audit_anchor_release(&a);
	kt_buf_release(&b);
	/* no tickets yet is a checkpoint too */
	signed_text(&b, "", KEY);
	assert_int_equal(parse(&b, KEY, &a, &err), KT_OK);
	assert_int_equal(a.n, 0);
	assert_int_equal(kt_audit_anchor_find(&a, T1), -1);
	kt_audit_anchor_release(&a);
	kt_buf_release(&b);
}

static void test_mac(void **state)
{
	struct kt_audit_anchor a;
	struct kt_err err = { 0 };
	struct kt_buf b;

	(void)state;
	signed_text(&b, T1 " 12 " H1 "\n", KEY);
	assert_int_equal(parse(&b, "another key", &a, &err), KT_ERR);
	assert_string_equal(err.code, "checkpoint_signature");
	assert_int_equal(a.n, 0);
	kt_audit_anchor_release(&a);
	/* every byte is covered: a changed place, hash or time */
	for (size_t i = 0; i < b.len - KT_SHA256_HEX_LEN - 6; i += 7) {
		struct kt_err e = { 0 };

		b.data[i] ^= 1;
		assert_int_equal(parse(&b, KEY, &a, &e), KT_ERR);
		assert_string_equal(e.code, "checkpoint_signature");
		b.data[i] ^= 1;
		kt_err_release(&e);
	}
	kt_err_release(&err);
	kt_buf_release(&b);
}

static void test_malformed(void **state)
{
	static const char *const bodies[] = {
		T1 " 12\n", T1 " 0 " H1 "\n", T1 " -1 " H1 "\n", T1 " 1x " H1 "\n",
		"0B5C2F1E-9D3A-4C7E-8F00-1234567890AB 1 " H1 "\n", T1 " 1 " H1 "0\n",
		T1 " 1 " H1 "\n" T1 " 2 " H1 "\n", "not a line\n",
	};
	struct kt_audit_anchor a;
	struct kt_buf b;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(bodies); i++) {
		struct kt_err err = { 0 };

		signed_text(&b, bodies[i], KEY);
		assert_int_equal(parse(&b, KEY, &a, &err), KT_ERR);
		assert_string_equal(err.code, "bad_checkpoint");
		assert_int_equal(a.n, 0);
		kt_err_release(&err);
		kt_buf_release(&b);
	}
	/* no mac line, or a text that is no checkpoint at all */
	{
		static const char *const texts[] = { "", "keten-audit-checkpoint 1\nat x\n",
						     "mac " H1 "\n" };
		for (size_t i = 0; i < N_ELEMS(texts); i++) {
			struct kt_err err = { 0 };

			assert_int_equal(kt_audit_anchor_parse(texts[i], strlen(texts[i]), KEY,
							       strlen(KEY), &a, &err), KT_ERR);
			kt_err_release(&err);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
