/* test_config.c - unit tests of broker/config.c: the defaults, setting one
 * value by name (types and bounds, one table row per integer setting),
 * config files (comments, blank lines, errors naming file:line), KETEN_*
 * environment variables and the checks of kt_config_validate. Files are
 * written to a throwaway directory under $TMPDIR. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/status.h"
#include "testutil.h"
#include "base/config.h"

struct int_opt {
	const char *name;
	size_t offset;
	int def, min, max;
};

#define INT_OPT(f, def, lo, hi) { #f, offsetof(struct kt_config, f), def, lo, hi }

/* The integer settings as documented (broker/base/config.h and `keten serve --help`). */
static const struct int_opt int_opts[] = {
	INT_OPT(db_pool_size, 4, 1, 64),
	INT_OPT(dispatch_db_pool_size, 2, 1, 64),
	INT_OPT(db_deadline_ms, 5000, 100, 600000),
	INT_OPT(db_queue_max, 1024, 1, 1000000),
	INT_OPT(db_statement_timeout_ms, 30000, 100, 3600000),
	INT_OPT(max_body_bytes, 1048576, 1024, 67108864),
	INT_OPT(dispatch, 1, 0, 1),
	INT_OPT(dispatch_interval_ms, 1000, 10, 600000),
	INT_OPT(poll_tick_ms, 1000, 10, 600000),
	INT_OPT(announce_interval_ms, 50, 1, 60000),
	INT_OPT(dispatch_batch, 32, 1, 1000),
	INT_OPT(dispatch_max_inflight, 64, 1, 10000),
	INT_OPT(dispatch_record_wait_ms, 5, 0, 1000),
	INT_OPT(lease_ms, 60000, 100, 86400000),
	INT_OPT(supplier_connect_timeout_ms, 5000, 10, 600000),
	INT_OPT(supplier_timeout_ms, 30000, 10, 3600000),
	INT_OPT(supplier_search_lag_ms, 5000, 0, 3600000),
	INT_OPT(supplier_max_response_bytes, 1048576, 1024, 67108864),
	INT_OPT(supplier_max_inflight, 8, 1, 10000),
	INT_OPT(supplier_low_speed_bytes, 1, 0, 1048576),
	INT_OPT(supplier_low_speed_time_s, 20, 1, 3600),
	INT_OPT(retry_base_ms, 1000, 1, 3600000),
	INT_OPT(retry_max_ms, 3600000, 1, 86400000),
	INT_OPT(supplier_retry_budget_s, 86400, 1, 2592000),
	INT_OPT(breaker_failures, 5, 1, 1000),
	INT_OPT(breaker_open_ms, 30000, 10, 3600000),
	INT_OPT(breaker_open_max_ms, 300000, 10, 86400000),
	INT_OPT(delivery_delayed_p1_ms, 300000, 100, 604800000),
	INT_OPT(delivery_delayed_p2_ms, 900000, 100, 604800000),
	INT_OPT(delivery_delayed_other_ms, 3600000, 100, 604800000),
	INT_OPT(webhook_tolerance_s, 300, 1, 86400),
	INT_OPT(idempotency_ttl_s, 86400, 1, 2592000),
	INT_OPT(hop_limit, 3, 0, 100),
	INT_OPT(auto_close_s, 432000, 1, 31536000),
};

static const char *const str_opts[] = {
	"database_url", "listen", "port_file", "tls_cert", "tls_key",
	"supplier_ca", "node_name",
};

static int int_of(const struct kt_config *cfg, const struct int_opt *o)
{
	return *(const int *)(const void *)((const char *)cfg + o->offset);
}

/* Fails unless rc is KT_ERR with 400 bad_config and exactly message. */
static void expect_bad(const char *what, int rc, struct kt_err *err,
		       const char *message)
{
	if (rc != KT_ERR)
		fail_msg("%s: accepted", what);
	if (kt_http_status_of(err->cls) != 400 || strcmp(err->code, "bad_config") != 0 ||
	    strcmp(err->message, message) != 0)
		fail_msg("%s: %d %s \"%s\", want 400 bad_config \"%s\"", what,
			 kt_http_status_of(err->cls), err->code, err->message, message);
	kt_err_release(err);
}

static void test_defaults(void **state)
{
	struct kt_config cfg;

	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg));
	kt_config_init(&cfg);
	for (size_t i = 0; i < N_ELEMS(int_opts); i++)
		if (int_of(&cfg, &int_opts[i]) != int_opts[i].def)
			fail_msg("%s defaults to %d, want %d", int_opts[i].name,
				 int_of(&cfg, &int_opts[i]), int_opts[i].def);
	assert_string_equal(cfg.listen, "127.0.0.1:8443");
	assert_null(cfg.database_url);
	assert_null(cfg.port_file);
	assert_null(cfg.tls_cert);
	assert_null(cfg.tls_key);
	assert_null(cfg.supplier_ca);
	assert_null(cfg.node_name);
	kt_config_release(&cfg);
	assert_null(cfg.listen);
	kt_config_release(&cfg); /* released twice is harmless */
}

/* Each integer setting takes its bounds, refuses one past them, and a
 * refused value leaves the setting as it was. */
static void test_int_bounds(void **state)
{
	long lo, hi;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(int_opts); i++) {
		const struct int_opt *o = &int_opts[i];
		struct kt_config cfg;
		struct kt_err err = { 0 };
		char v[32], msg[128];

		kt_config_init(&cfg);
		snprintf(msg, sizeof(msg), "setting \"%s\" must be between %d and %d",
			 o->name, o->min, o->max);
		snprintf(v, sizeof(v), "%d", o->min);
		if (kt_config_set(&cfg, o->name, v, &err) != KT_OK ||
		    int_of(&cfg, o) != o->min)
			fail_msg("%s = %s: %s", o->name, v, err.message);
		snprintf(v, sizeof(v), "%d", o->max);
		if (kt_config_set(&cfg, o->name, v, &err) != KT_OK ||
		    int_of(&cfg, o) != o->max)
			fail_msg("%s = %s: %s", o->name, v, err.message);
		snprintf(v, sizeof(v), "%d", o->min - 1);
		expect_bad(v, kt_config_set(&cfg, o->name, v, &err), &err, msg);
		snprintf(v, sizeof(v), "%ld", (long)o->max + 1);
		expect_bad(v, kt_config_set(&cfg, o->name, v, &err), &err, msg);
		expect_bad("-2147483649",
			   kt_config_set(&cfg, o->name, "-2147483649", &err), &err,
			   msg);
		expect_bad("4294967297",
			   kt_config_set(&cfg, o->name, "4294967297", &err), &err,
			   msg);
		assert_int_equal(int_of(&cfg, o), o->max);
		kt_config_release(&cfg);
		/* The bounds others check against (a supplier's own limits). */
		assert_int_equal(kt_config_bounds(o->name, &lo, &hi), KT_OK);
		assert_int_equal(lo, o->min);
		assert_int_equal(hi, o->max);
	}
	assert_int_equal(kt_config_bounds("no_such_setting", &lo, &hi), KT_ERR);
	assert_int_equal(kt_config_bounds("listen", &lo, &hi), KT_ERR);
}

static void test_int_not_a_number(void **state)
{
	static const char *const bad[] = {
		"", "abc", "12abc", "1.5", "0x10", "4 4", "1e3", "-",
		"99999999999999999999999",
	};
	struct kt_config cfg;

	(void)state;
	kt_config_init(&cfg);
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		struct kt_err err = { 0 };
		char msg[128];

		snprintf(msg, sizeof(msg),
			 "setting \"db_pool_size\" needs a whole number, not \"%s\"",
			 bad[i]);
		expect_bad(bad[i], kt_config_set(&cfg, "db_pool_size", bad[i], &err),
			   &err, msg);
		assert_int_equal(cfg.db_pool_size, 4);
	}
	kt_config_release(&cfg);
}

static void test_set_strings_and_names(void **state)
{
	struct kt_config cfg;
	struct kt_err err = { 0 };

	(void)state;
	kt_config_init(&cfg);
	for (size_t i = 0; i < N_ELEMS(str_opts); i++) {
		char v[64];

		snprintf(v, sizeof(v), "value of %s", str_opts[i]);
		assert_int_equal(kt_config_set(&cfg, str_opts[i], v, &err), KT_OK);
	}
	assert_string_equal(cfg.database_url, "value of database_url");
	assert_string_equal(cfg.listen, "value of listen");
	assert_string_equal(cfg.port_file, "value of port_file");
	assert_string_equal(cfg.tls_cert, "value of tls_cert");
	assert_string_equal(cfg.tls_key, "value of tls_key");
	assert_string_equal(cfg.supplier_ca, "value of supplier_ca");
	assert_string_equal(cfg.node_name, "value of node_name");
	/* a copy is kept, and setting again replaces it (ASan sees leaks) */
	{
		char buf[] = "host=db1 dbname=keten";

		assert_int_equal(kt_config_set(&cfg, "database_url", buf, &err), KT_OK);
		buf[0] = 'X';
		assert_string_equal(cfg.database_url, "host=db1 dbname=keten");
	}
	assert_int_equal(kt_config_set(&cfg, "port_file", NULL, &err), KT_OK);
	assert_null(cfg.port_file);

	expect_bad("unknown", kt_config_set(&cfg, "db_poolsize", "4", &err), &err,
		   "unknown setting \"db_poolsize\"");
	expect_bad("case", kt_config_set(&cfg, "DB_POOL_SIZE", "4", &err), &err,
		   "unknown setting \"DB_POOL_SIZE\"");
	expect_bad("empty", kt_config_set(&cfg, "", "4", &err), &err,
		   "unknown setting \"\"");
	kt_config_release(&cfg);
}

static void test_load_file(void **state)
{
	const char *dir = *state;
	char path[KT_TEST_PATH_MAX];
	struct kt_config cfg;
	struct kt_err err = { 0 };

	kt_test_write_file(dir, "keten.conf",
		"# keten.conf - a test\n"
		"\n"
		"   # an indented comment\n"
		"database_url = host=db1 dbname=keten user=kt\n"
		"  db_pool_size=7   \n"
		"\t\n"
		"listen\t=\t0.0.0.0:9443\r\n"
		"lease_ms = 120000\n"
		"node_name =\n"
		"retry_max_ms = 5000", /* no newline at the end */
		path);
	kt_config_init(&cfg);
	if (kt_config_load_file(&cfg, path, &err) != KT_OK)
		fail_msg("%s", err.message);
	assert_false(kt_err_isset(&err));
	/* values may hold "=", and keep their inner blanks */
	assert_string_equal(cfg.database_url, "host=db1 dbname=keten user=kt");
	assert_int_equal(cfg.db_pool_size, 7);
	assert_string_equal(cfg.listen, "0.0.0.0:9443");
	assert_int_equal(cfg.lease_ms, 120000);
	assert_string_equal(cfg.node_name, "");
	assert_int_equal(cfg.retry_max_ms, 5000);
	/* what the file does not name keeps its default */
	assert_int_equal(cfg.dispatch_batch, 32);
	kt_config_release(&cfg);
}

static void test_load_file_errors(void **state)
{
	static const struct {
		const char *name, *text;
		const char *want; /* after "<path>:" */
	} cases[] = {
		{ "no equals sign", "# one\n\ndb_pool_size = 4\n\n# five\nlisten 0.0.0.0:1\n",
		  "6: expected name = value" },
		{ "unknown setting", "\n\n\nno_such = 1\n",
		  "4: unknown setting \"no_such\"" },
		{ "value out of bounds", "db_pool_size = 65\n",
		  "1: setting \"db_pool_size\" must be between 1 and 64" },
		{ "value not a number", "# c\nlease_ms = soon\n",
		  "2: setting \"lease_ms\" needs a whole number, not \"soon\"" },
		{ "empty number", "db_pool_size =\n",
		  "1: setting \"db_pool_size\" needs a whole number, not \"\"" },
		{ "empty name", "= 4\n", "1: unknown setting \"\"" },
		{ "first bad line wins", "a = 1\nb = 2\n", "1: unknown setting \"a\"" },
		{ "comment after the value is not stripped",
		  "db_pool_size = 4 # four\n",
		  "1: setting \"db_pool_size\" needs a whole number, not \"4 # four\"" },
	};
	const char *dir = *state;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char path[KT_TEST_PATH_MAX], name[32], msg[KT_TEST_PATH_MAX + 128];
		struct kt_config cfg;
		struct kt_err err = { 0 };

		snprintf(name, sizeof(name), "case%zu.conf", i);
		kt_test_write_file(dir, name, cases[i].text, path);
		snprintf(msg, sizeof(msg), "%s:%s", path, cases[i].want);
		kt_config_init(&cfg);
		expect_bad(cases[i].name, kt_config_load_file(&cfg, path, &err),
			   &err, msg);
		kt_config_release(&cfg);
	}
	{
		char path[KT_TEST_PATH_MAX], msg[KT_TEST_PATH_MAX + 128];
		struct kt_config cfg;
		struct kt_err err = { 0 };

		kt_test_join(path, dir, "missing.conf");
		snprintf(msg, sizeof(msg),
			 "could not open config file \"%s\": No such file or directory",
			 path);
		kt_config_init(&cfg);
		expect_bad("missing file", kt_config_load_file(&cfg, path, &err),
			   &err, msg);
		kt_config_release(&cfg);
	}
}

/* A line longer than the reader's buffer is read whole, or refused as
 * that line; never cut, with its tail read as a line of its own. */
static void test_load_file_long_line(void **state)
{
	enum { LEN = 5000 };
	const char *dir = *state;
	char path[KT_TEST_PATH_MAX];
	static char text[LEN + 64];
	char *want, problem[KT_TEST_PATH_MAX + 300];
	struct kt_config cfg;
	struct kt_err err = { 0 };
	int rc;

	memcpy(text, "database_url = host=", 20);
	memset(text + 20, 'a', LEN);
	memcpy(text + 20 + LEN, "\nlease_ms = 99999\n", 19);
	want = text + 15;
	kt_test_write_file(dir, "long.conf", text, path);
	kt_config_init(&cfg);
	rc = kt_config_load_file(&cfg, path, &err);
	/* decide, release, then fail: nothing leaks on the way out */
	problem[0] = '\0';
	if (rc == KT_OK) {
		want[5 + LEN] = '\0';
		if (!cfg.database_url || strcmp(cfg.database_url, want) != 0 ||
		    cfg.lease_ms != 99999)
			snprintf(problem, sizeof(problem),
				 "long database_url read as %zu bytes, want %d",
				 cfg.database_url ? strlen(cfg.database_url) : 0,
				 5 + LEN);
	} else {
		char prefix[KT_TEST_PATH_MAX + 8];

		snprintf(prefix, sizeof(prefix), "%s:1:", path);
		if (strncmp(err.message, prefix, strlen(prefix)) != 0)
			snprintf(problem, sizeof(problem),
				 "long line 1 refused as \"%s\"", err.message);
	}
	kt_err_release(&err);
	kt_config_release(&cfg);
	if (problem[0])
		fail_msg("%s", problem);
}

/* KETEN_<NAME> of a setting into var (64 bytes). */
static void env_name(char *var, const char *name)
{
	snprintf(var, 64, "KETEN_%s", name);
	for (char *c = var; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
}

static void clear_env(void)
{
	char var[64];

	for (size_t i = 0; i < N_ELEMS(int_opts); i++) {
		env_name(var, int_opts[i].name);
		unsetenv(var);
	}
	for (size_t i = 0; i < N_ELEMS(str_opts); i++) {
		env_name(var, str_opts[i]);
		unsetenv(var);
	}
}

static void test_env(void **state)
{
	struct kt_config cfg;
	struct kt_err err = { 0 };

	(void)state;
	clear_env();
	kt_config_init(&cfg);
	assert_int_equal(kt_config_load_env(&cfg, &err), KT_OK);
	assert_int_equal(cfg.db_pool_size, 4); /* nothing set, nothing changed */
	assert_null(cfg.database_url);

	setenv("KETEN_DB_POOL_SIZE", "9", 1);
	setenv("KETEN_DATABASE_URL", "postgresql:///keten", 1);
	setenv("KETEN_LISTEN", "[::1]:0", 1);
	setenv("KETEN_SUPPLIER_TIMEOUT_MS", "2500", 1);
	setenv("keten_lease_ms", "1234", 1); /* only upper-case names count */
	setenv("KETEN_db_deadline_ms", "4321", 1);
	assert_int_equal(kt_config_load_env(&cfg, &err), KT_OK);
	assert_int_equal(cfg.db_pool_size, 9);
	assert_string_equal(cfg.database_url, "postgresql:///keten");
	assert_string_equal(cfg.listen, "[::1]:0");
	assert_int_equal(cfg.supplier_timeout_ms, 2500);
	assert_int_equal(cfg.lease_ms, 60000);
	assert_int_equal(cfg.db_deadline_ms, 5000);
	unsetenv("keten_lease_ms");
	unsetenv("KETEN_db_deadline_ms");

	/* every integer setting has its variable */
	for (size_t i = 0; i < N_ELEMS(int_opts); i++) {
		char var[64], v[32];

		env_name(var, int_opts[i].name);
		snprintf(v, sizeof(v), "%d", int_opts[i].min);
		setenv(var, v, 1);
	}
	assert_int_equal(kt_config_load_env(&cfg, &err), KT_OK);
	for (size_t i = 0; i < N_ELEMS(int_opts); i++)
		if (int_of(&cfg, &int_opts[i]) != int_opts[i].min)
			fail_msg("KETEN_%s not applied", int_opts[i].name);

	setenv("KETEN_LEASE_MS", "0", 1);
	expect_bad("KETEN_LEASE_MS=0", kt_config_load_env(&cfg, &err), &err,
		   "setting \"lease_ms\" must be between 100 and 86400000");
	setenv("KETEN_LEASE_MS", "soon", 1);
	expect_bad("KETEN_LEASE_MS=soon", kt_config_load_env(&cfg, &err), &err,
		   "setting \"lease_ms\" needs a whole number, not \"soon\"");
	clear_env();
	kt_config_release(&cfg);
}

/* The environment comes after the file: it wins. */
static void test_env_over_file(void **state)
{
	const char *dir = *state;
	char path[KT_TEST_PATH_MAX];
	struct kt_config cfg;
	struct kt_err err = { 0 };

	clear_env();
	kt_test_write_file(dir, "k.conf", "db_pool_size = 5\nnode_name = file\n",
			   path);
	setenv("KETEN_DB_POOL_SIZE", "11", 1);
	kt_config_init(&cfg);
	assert_int_equal(kt_config_load_file(&cfg, path, &err), KT_OK);
	assert_int_equal(kt_config_load_env(&cfg, &err), KT_OK);
	assert_int_equal(cfg.db_pool_size, 11);
	assert_string_equal(cfg.node_name, "file");
	clear_env();
	kt_config_release(&cfg);
}

/* A configuration that passes validate, with TLS files in dir. */
static void valid_config(struct kt_config *cfg, const char *dir)
{
	char path[KT_TEST_PATH_MAX];
	struct kt_err err = { 0 };

	kt_config_init(cfg);
	assert_int_equal(kt_config_set(cfg, "database_url", "host=db", &err), KT_OK);
	kt_test_join(path, dir, "cert.pem");
	assert_int_equal(kt_config_set(cfg, "tls_cert", path, &err), KT_OK);
	kt_test_join(path, dir, "key.pem");
	assert_int_equal(kt_config_set(cfg, "tls_key", path, &err), KT_OK);
}

static void test_validate(void **state)
{
	const char *dir = *state;
	char missing[KT_TEST_PATH_MAX];
	struct {
		const char *name, *setting;
		const char *value;   /* "@missing", "@ca": files in the folder */
		const char *message; /* NULL: valid; "%s" is the missing file */
	} cases[] = {
		{ "valid as made", NULL, NULL, NULL },
		{ "no database_url", "database_url", NULL,
		  "setting \"database_url\" is required (KETEN_DATABASE_URL)" },
		{ "empty database_url", "database_url", "",
		  "setting \"database_url\" is required (KETEN_DATABASE_URL)" },
		{ "no tls_cert", "tls_cert", NULL, "setting \"tls_cert\" is required" },
		{ "empty tls_cert", "tls_cert", "", "setting \"tls_cert\" is required" },
		{ "missing tls_cert", "tls_cert", "@missing",
		  "tls_cert file \"%s\" is not readable: No such file or directory" },
		{ "no tls_key", "tls_key", NULL, "setting \"tls_key\" is required" },
		{ "missing tls_key", "tls_key", "@missing",
		  "tls_key file \"%s\" is not readable: No such file or directory" },
		{ "readable supplier_ca", "supplier_ca", "@ca", NULL },
		{ "missing supplier_ca", "supplier_ca", "@missing",
		  "supplier_ca file \"%s\" is not readable: No such file or directory" },
		{ "listen without a port", "listen", "127.0.0.1",
		  "setting \"listen\" needs host:port, not \"127.0.0.1\"" },
		{ "lease equal to supplier timeout", "lease_ms", "30000",
		  "lease_ms (30000) must be longer than supplier_timeout_ms (30000)" },
		{ "lease below supplier timeout", "lease_ms", "100",
		  "lease_ms (100) must be longer than supplier_timeout_ms (30000)" },
		{ "lease just above supplier timeout", "lease_ms", "30001", NULL },
		{ "supplier timeout at the lease", "supplier_timeout_ms", "60000",
		  "lease_ms (60000) must be longer than supplier_timeout_ms (60000)" },
		{ "retry_max below retry_base", "retry_max_ms", "999",
		  "retry_max_ms must not be below retry_base_ms" },
		{ "retry_max equal to retry_base", "retry_max_ms", "1000", NULL },
	};

	kt_test_write_file(dir, "cert.pem", "-----BEGIN CERTIFICATE-----\n", NULL);
	kt_test_write_file(dir, "key.pem", "-----BEGIN PRIVATE KEY-----\n", NULL);
	kt_test_write_file(dir, "ca.pem", "-----BEGIN CERTIFICATE-----\n", NULL);
	kt_test_join(missing, dir, "nope.pem");
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_config cfg;
		struct kt_err err = { 0 };
		const char *value = cases[i].value;
		char ca[KT_TEST_PATH_MAX], msg[KT_TEST_PATH_MAX + 128];

		valid_config(&cfg, dir);
		kt_test_join(ca, dir, "ca.pem");
		if (value && strcmp(value, "@missing") == 0)
			value = missing;
		else if (value && strcmp(value, "@ca") == 0)
			value = ca;
		if (cases[i].setting &&
		    kt_config_set(&cfg, cases[i].setting, value, &err) != KT_OK)
			fail_msg("%s: %s", cases[i].name, err.message);
		if (!cases[i].message) {
			if (kt_config_validate(&cfg, &err) != KT_OK)
				fail_msg("%s: %s", cases[i].name, err.message);
		} else {
			snprintf(msg, sizeof(msg), cases[i].message, missing);
			expect_bad(cases[i].name, kt_config_validate(&cfg, &err), &err,
				   msg);
		}
		kt_config_release(&cfg);
	}
}

/* A file that exists but cannot be read (not testable as root, who reads
 * everything). */
static void test_validate_unreadable(void **state)
{
	const char *dir = *state;
	char path[KT_TEST_PATH_MAX], msg[KT_TEST_PATH_MAX + 64];
	struct kt_config cfg;
	struct kt_err err = { 0 };

	if (geteuid() == 0)
		skip();
	kt_test_write_file(dir, "cert.pem", "x", NULL);
	kt_test_write_file(dir, "key.pem", "x", path);
	assert_int_equal(chmod(path, 0), 0);
	valid_config(&cfg, dir);
	snprintf(msg, sizeof(msg),
		 "tls_key file \"%s\" is not readable: Permission denied", path);
	expect_bad("unreadable tls_key", kt_config_validate(&cfg, &err), &err, msg);
	kt_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_int_bounds),
		cmocka_unit_test(test_int_not_a_number),
		cmocka_unit_test(test_set_strings_and_names),
		KT_TEST_WITH_TMPDIR(test_load_file),
		KT_TEST_WITH_TMPDIR(test_load_file_errors),
		KT_TEST_WITH_TMPDIR(test_load_file_long_line),
		cmocka_unit_test(test_env),
		KT_TEST_WITH_TMPDIR(test_env_over_file),
		KT_TEST_WITH_TMPDIR(test_validate),
		KT_TEST_WITH_TMPDIR(test_validate_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
