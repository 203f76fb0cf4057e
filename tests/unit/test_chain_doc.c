/* test_chain_doc.c - unit tests of the chain document (broker/chain_doc.c):
 * the data-file cases under tests/unit/data/chain/ (valid/ and invalid/,
 * each .json with an .expect beside it, format in that folder's README.md),
 * the demo chain, the comparison of chains and the printed plan. Run from
 * the repository root (KT_TEST_DATA overrides tests/unit/data). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/status.h"
#include "model/chain_doc.h"

#define MAX_LINES 128

/* A list of strings, each owned. */
struct strs {
	char *v[MAX_LINES];
	size_t n;
};

static void strs_add(struct strs *s, const char *text)
{
	assert_true(s->n < MAX_LINES);
	s->v[s->n] = strdup(text);
	assert_non_null(s->v[s->n]);
	s->n++;
}

static void strs_release(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fails unless the two lists hold the same strings, in any order. */
static void assert_same_set(const char *what, struct strs *want, struct strs *got)
{
	int same = want->n == got->n;

	qsort(want->v, want->n, sizeof(char *), cmp_strp);
	qsort(got->v, got->n, sizeof(char *), cmp_strp);
	for (size_t i = 0; same && i < want->n; i++)
		same = strcmp(want->v[i], got->v[i]) == 0;
	if (same)
		return;
	print_error("%s: expected %zu:\n", what, want->n);
	for (size_t i = 0; i < want->n; i++)
		print_error("  \"%s\"\n", want->v[i]);
	print_error("got %zu:\n", got->n);
	for (size_t i = 0; i < got->n; i++)
		print_error("  \"%s\"\n", got->v[i]);
	fail_msg("%s differs", what);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1))) {
		*len = fread(buf, 1, (size_t)size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	assert_non_null(buf);
	return buf;
}

static void fixture_path(char *out, size_t size, const char *sub,
			 const char *name, const char *ext)
{
	const char *d = getenv("KT_TEST_DATA");

	snprintf(out, size, "%s/chain/%s/%s%s", d && *d ? d : "tests/unit/data",
		 sub, name, ext);
}

/* The base names of the .json files of data/chain/<sub>. */
static void list_fixtures(const char *sub, struct strs *names)
{
	char dir[512];
	struct dirent *e;
	size_t len;
	DIR *d;

	fixture_path(dir, sizeof(dir), sub, "", "");
	if (!(d = opendir(dir)))
		fail_msg("cannot open %s (run from the repository root)", dir);
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			e->d_name[len - 5] = '\0';
			strs_add(names, e->d_name);
		}
	}
	closedir(d);
	qsort(names->v, names->n, sizeof(char *), cmp_strp);
	assert_true(names->n > 0);
}

/* The rest of every line of an .expect file that starts with word and a
 * space (or is word alone: an empty rest). A missing file has no lines. */
static void expect_lines(const char *sub, const char *name, const char *word,
			 struct strs *out)
{
	char path[512];
	char *buf, *line, *end;
	size_t len, wlen = strlen(word);
	FILE *f;

	fixture_path(path, sizeof(path), sub, name, ".expect");
	if (!(f = fopen(path, "rb")))
		return;
	fclose(f);
	buf = read_file(path, &len);
	for (line = buf; *line; line = end + (*end != '\0')) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if ((size_t)(end - line) >= wlen && strncmp(line, word, wlen) == 0 &&
		    (line[wlen] == ' ' || line + wlen == end)) {
			char *rest = line + wlen + (line + wlen < end);
			char save = *end;

			*end = '\0';
			strs_add(out, rest);
			*end = save;
		}
	}
	free(buf);
}

static const char *entity_word(enum kt_chain_entity e)
{
	return e == KT_CHAIN_CUSTOMER ? "customer" : e == KT_CHAIN_SUPPLIER ? "supplier"
									 : "service";
}

static int parse_fixture(const char *sub, const char *name,
			 struct kt_chain_doc **doc, struct kt_err *err)
{
	char path[512];
	size_t len;
	char *buf;
	int rc;

	fixture_path(path, sizeof(path), sub, name, ".json");
	buf = read_file(path, &len);
	rc = kt_chain_doc_parse(buf, len, doc, err);
	free(buf);
	return rc;
}

/* Every valid fixture parses; its references and component counts are the
 * ones its .expect lists. */
static void test_valid_fixtures(void **state)
{
	struct strs names = { 0 };

	(void)state;
	list_fixtures("valid", &names);
	for (size_t i = 0; i < names.n; i++) {
		struct strs want = { 0 }, got = { 0 }, counts = { 0 };
		struct kt_chain_doc *doc = NULL;
		struct kt_err err = { 0 };
		char line[1200];

		if (parse_fixture("valid", names.v[i], &doc, &err) != KT_OK)
			fail_msg("valid/%s: %s (%s)", names.v[i], err.message,
				 err.details ? json_string_value(json_object_get(
					 json_array_get(err.details, 0), "path")) : "");
		expect_lines("valid", names.v[i], "ref", &want);
		for (size_t r = 0; r < doc->n_refs; r++) {
			const struct kt_chain_ref *ref = &doc->refs[r];

			if (ref->contract)
				snprintf(line, sizeof(line), "contract %s %s %s",
					 ref->key, ref->contract, ref->path);
			else
				snprintf(line, sizeof(line), "%s %s %s",
					 entity_word(ref->entity), ref->key, ref->path);
			strs_add(&got, line);
		}
		snprintf(line, sizeof(line), "valid/%s references", names.v[i]);
		assert_same_set(line, &want, &got);
		expect_lines("valid", names.v[i], "components", &counts);
		for (size_t c = 0; c < counts.n; c++) {
			char key[64];
			size_t n, s;

			assert_int_equal(sscanf(counts.v[c], "%63s %zu", key, &n), 2);
			for (s = 0; s < doc->n_services && strcmp(doc->services[s].key, key); s++)
				;
			if (s == doc->n_services)
				fail_msg("valid/%s: no service \"%s\"", names.v[i], key);
			assert_int_equal(doc->services[s].n_components, n);
		}
		strs_release(&want);
		strs_release(&got);
		strs_release(&counts);
		kt_chain_doc_free(doc);
		kt_err_release(&err);
	}
	strs_release(&names);
}

/* Every invalid fixture fails with the status and code of its .expect and
 * exactly the problem paths it lists; no document comes back. */
static void test_invalid_fixtures(void **state)
{
	struct strs names = { 0 };

	(void)state;
	list_fixtures("invalid", &names);
	for (size_t i = 0; i < names.n; i++) {
		struct strs want = { 0 }, got = { 0 }, status = { 0 }, code = { 0 };
		struct kt_chain_doc *doc = (struct kt_chain_doc *)&names;
		struct kt_err err = { 0 };
		char what[300];
		json_t *d;
		size_t k;

		if (parse_fixture("invalid", names.v[i], &doc, &err) != KT_ERR)
			fail_msg("invalid/%s: accepted", names.v[i]);
		assert_null(doc);
		expect_lines("invalid", names.v[i], "status", &status);
		expect_lines("invalid", names.v[i], "code", &code);
		if (status.n != 1 || code.n != 1)
			fail_msg("invalid/%s.expect: needs one status and one code line",
				 names.v[i]);
		if (kt_http_status_of(err.cls) != (int)strtol(status.v[0], NULL, 10) ||
		    strcmp(err.code, code.v[0]) != 0)
			fail_msg("invalid/%s: got %d %s (%s), expected %s %s", names.v[i],
				 kt_http_status_of(err.cls), err.code, err.message, status.v[0], code.v[0]);
		expect_lines("invalid", names.v[i], "path", &want);
		json_array_foreach(err.details, k, d)
			strs_add(&got, json_string_value(json_object_get(d, "path")));
		snprintf(what, sizeof(what), "invalid/%s problem paths", names.v[i]);
		assert_same_set(what, &want, &got);
		strs_release(&want);
		strs_release(&got);
		strs_release(&status);
		strs_release(&code);
		kt_err_release(&err);
	}
	strs_release(&names);
}

/* The quick start's chain: valid, self-contained, the tree it describes. */
static void test_demo_chain(void **state)
{
	struct kt_chain_doc *doc = NULL;
	struct kt_err err = { 0 };
	const struct kt_chain_service *s;
	size_t len;
	char *buf = read_file("deploy/demo-chain.json", &len);

	(void)state;
	assert_int_equal(kt_chain_doc_parse(buf, len, &doc, &err), KT_OK);
	assert_int_equal(doc->n_refs, 0);
	assert_int_equal(doc->n_customers, 2);
	assert_string_equal(doc->customers[0].key, "acme");
	assert_string_equal(doc->customers[1].key, "globex");
	assert_int_equal(doc->n_suppliers, 4);
	assert_string_equal(doc->suppliers[0].key, "netco");
	assert_string_equal(doc->suppliers[1].key, "hostco");
	/* A ServiceNow supplier, which takes only the types its mapping has an
	 * entry for; the webhook suppliers take every type. */
	assert_string_equal(doc->suppliers[2].key, "servco");
	assert_string_equal(doc->suppliers[2].ticket_types, "{incident}");
	assert_string_equal(doc->suppliers[0].ticket_types, "");
	assert_string_equal(doc->suppliers[3].key, "facilityco");
	assert_string_equal(doc->suppliers[3].ticket_types, "{incident}");
	assert_int_equal(doc->n_services, 2);
	/* The agreements the quick start shows: contracts, an SLA, a rule,
	 * items, alternates and a supplier whose name the customer never sees. */
	assert_false(json_is_true(json_object_get(json_object_get(
		doc->suppliers[1].obj, "visibility"), "name_to_customer")));
	assert_int_equal(json_array_size(json_object_get(doc->suppliers[0].obj,
							 "contracts")), 1);
	s = &doc->services[0];
	assert_string_equal(s->key, "acme-workplace");
	assert_string_equal(s->customer, "acme");
	assert_string_equal(s->default_component, "workplace");
	assert_non_null(s->sla);
	assert_int_equal(json_array_size(s->rules), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(s->rules, 0), "component")), "accounts");
	assert_int_equal(s->n_components, 6);
	/* Pre-order, with parents and depths. */
	assert_string_equal(s->components[0].key, "workplace");
	assert_null(s->components[0].parent_key);
	assert_null(s->components[0].supplier);
	assert_int_equal(s->components[0].depth, 1);
	assert_string_equal(s->components[1].key, "vpn");
	assert_string_equal(s->components[1].kind, "network");
	assert_string_equal(s->components[1].supplier, "netco");
	assert_string_equal(s->components[1].parent_key, "workplace");
	assert_int_equal(s->components[1].depth, 2);
	assert_string_equal(s->components[1].contract, "netco-gold");
	assert_string_equal(json_string_value(json_array_get(s->components[1].alternates, 0)),
			    "hostco");
	assert_string_equal(json_string_value(json_array_get(s->components[1].items, 0)),
			    "vpn-gw-01");
	assert_string_equal(s->components[2].key, "hosting");
	assert_string_equal(s->components[2].kind, "hardware");
	assert_string_equal(s->components[2].supplier, "hostco");
	assert_string_equal(s->components[3].key, "accounts");
	assert_null(s->components[3].parent_key);
	assert_string_equal(s->components[4].key, "printing");
	assert_string_equal(s->components[4].supplier, "servco");
	assert_string_equal(s->components[5].key, "building");
	assert_string_equal(s->components[5].supplier, "facilityco");
	s = &doc->services[1];
	assert_string_equal(s->key, "globex-hosting");
	assert_string_equal(s->customer, "globex");
	assert_int_equal(s->n_components, 1);
	assert_string_equal(s->components[0].supplier, "hostco");
	kt_chain_doc_free(doc);
	free(buf);
}

static void test_invalid_json_position(void **state)
{
	static const char text[] = "{\n  \"customers\": [\n    {\"key\": \"a\",}\n  ]\n}\n";
	struct kt_chain_doc *doc = NULL;
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(kt_chain_doc_parse(text, strlen(text), &doc, &err), KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 400);
	assert_string_equal(err.code, "invalid_json");
	assert_non_null(strstr(err.message, "line 3, column"));
	kt_err_release(&err);
}

static void test_too_large(void **state)
{
	size_t len = (size_t)KT_CHAIN_DOC_MAX_BYTES + 1;
	struct kt_chain_doc *doc = NULL;
	struct kt_err err = { 0 };
	char *buf = malloc(len);

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', len);
	assert_int_equal(kt_chain_doc_parse(buf, len, &doc, &err), KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 413);
	assert_null(doc);
	kt_err_release(&err);
	free(buf);
}

/* Past KT_ERR_DETAILS_MAX the details stop and one more counts the rest;
 * the message counts them all. */
static void test_problem_cap(void **state)
{
	json_t *root = json_pack("{s:[]}", "customers");
	struct kt_chain_doc *doc = NULL;
	struct kt_err err = { 0 };
	json_t *last;

	(void)state;
	for (int i = 0; i < 150; i++)
		json_array_append_new(json_object_get(root, "customers"),
				      json_pack("{s:s, s:s}", "key", "BAD", "name", "n"));
	assert_int_equal(kt_chain_doc_check(root, &doc, &err), KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 422);
	assert_int_equal(json_array_size(err.details), KT_ERR_DETAILS_MAX + 1);
	last = json_array_get(err.details, KT_ERR_DETAILS_MAX);
	assert_string_equal(json_string_value(json_object_get(last, "message")),
			    "50 more problem(s) not shown");
	assert_string_equal(err.message, "invalid chain document: 150 problem(s)");
	kt_err_release(&err);
	json_decref(root);
}

/* A long unknown member name is cut in the pointer, at a character. */
static void test_long_member_path(void **state)
{
	char name[3000];
	json_t *root = json_object();
	struct kt_chain_doc *doc = NULL;
	struct kt_err err = { 0 };
	const char *path;

	(void)state;
	for (size_t i = 0; i + 2 < sizeof(name); i += 2)
		memcpy(name + i, "\xc3\xa9", 2); /* é */
	name[sizeof(name) - 2] = '\0';
	json_object_set_new(root, name, json_true());
	assert_int_equal(kt_chain_doc_check(root, &doc, &err), KT_ERR);
	path = json_string_value(json_object_get(json_array_get(err.details, 0), "path"));
	assert_non_null(path); /* kt_err_detail drops a path that is not UTF-8 */
	assert_true(strlen(path) < 1024);
	assert_string_equal(path + strlen(path) - 3, "...");
	kt_err_release(&err);
	json_decref(root);
}

/* ---- comparing chains ------------------------------------------------ */

#define SVC(name, dflt, comps) \
	"{\"key\": \"s\", \"customer\": \"c\", \"name\": \"" name "\"" dflt \
	", \"components\": [" comps "]}"
#define LEAF(key, sup) \
	"{\"key\": \"" key "\", \"name\": \"N\", \"kind\": \"network\", " \
	"\"supplier\": \"" sup "\"}"
#define NODE(key, kids) \
	"{\"key\": \"" key "\", \"name\": \"N\", \"kind\": \"application\", " \
	"\"children\": [" kids "]}"

/* Compares two service objects; want NULL = equal. */
static void check_diff(const char *old_text, const char *new_text, const char *want)
{
	json_t *old = old_text ? json_loads(old_text, 0, NULL) : NULL;
	json_t *new = json_loads(new_text, 0, NULL);
	char *what = (char *)"unset";
	int rc;

	assert_true(!old_text || old);
	assert_non_null(new);
	rc = kt_chain_service_diff(old, new, &what);
	if (!want) {
		assert_int_equal(rc, 0);
		assert_null(what);
	} else {
		assert_int_equal(rc, 1);
		assert_string_equal(what, want);
	}
	free(what);
	json_decref(old);
	json_decref(new);
}

static void test_diff(void **state)
{
	const char *base = SVC("W", ", \"default_component\": \"root\"",
			       NODE("root", LEAF("vpn", "netco") "," LEAF("hosting", "hostco")));

	(void)state;
	check_diff(base, base, NULL);
	/* Member order inside objects is not a change; key and customer are
	 * not part of the chain. */
	check_diff(base,
		   "{\"components\": [{\"children\": [" LEAF("vpn", "netco") ","
		   LEAF("hosting", "hostco") "], \"kind\": \"application\", "
		   "\"name\": \"N\", \"key\": \"root\"}], \"default_component\": \"root\", "
		   "\"name\": \"W\", \"customer\": \"other\", \"key\": \"other\"}",
		   NULL);
	check_diff(base, SVC("W2", ", \"default_component\": \"root\"",
			     NODE("root", LEAF("vpn", "netco") "," LEAF("hosting", "hostco"))),
		   "name");
	check_diff(base, SVC("W2", "",
			     NODE("root", LEAF("vpn", "netco") "," LEAF("hosting", "hostco"))),
		   "default_component, name");
	check_diff(base, SVC("W", ", \"default_component\": \"root\"",
			     NODE("root", LEAF("dns", "netco") "," LEAF("hosting", "acme")
				  "," LEAF("a", "netco"))),
		   "+ component a, + component dns, - component vpn, ~ component hosting");
	/* A move is a change of the moved component only. */
	check_diff(base, SVC("W", ", \"default_component\": \"root\"",
			     NODE("root", LEAF("hosting", "hostco")) "," LEAF("vpn", "netco")),
		   "~ component vpn");
	check_diff(base, SVC("W", ", \"default_component\": \"root\"",
			     NODE("root", LEAF("hosting", "hostco") "," LEAF("vpn", "netco"))),
		   "component order");
	check_diff(NULL, base,
		   "default_component, name, + component hosting, + component root, "
		   "+ component vpn");
	check_diff(base, SVC("W2", ", \"default_component\": \"vpn\"",
			     NODE("root", LEAF("vpn", "netco"))),
		   "default_component, name, - component hosting");
}

/* The agreements are part of the chain: a change of the SLA, the rules or
 * a component's contract, alternates or items makes a new version. */
static void test_diff_agreements(void **state)
{
#define AGREED(sla, rules, vpn_extra) \
	"{\"key\": \"s\", \"customer\": \"c\", \"name\": \"W\", \"sla\": " sla \
	", \"rules\": " rules ", \"components\": [{\"key\": \"vpn\", \"name\": \"N\", " \
	"\"kind\": \"network\", \"supplier\": \"netco\"" vpn_extra "}]}"
	const char *base = AGREED(
		"{\"service_hours\": \"24x7\", \"targets\": {\"p1\": {\"response_min\": 15}}}",
		"[{\"type\": \"request\", \"component\": \"vpn\"}]",
		", \"contract\": \"gold\", \"alternates\": [\"hostco\", \"dataco\"], "
		"\"items\": [\"srv-01\"]");

	(void)state;
	check_diff(base, base, NULL);
	check_diff(base, AGREED(
		"{\"service_hours\": \"24x7\", \"targets\": {\"p1\": {\"response_min\": 30}}}",
		"[{\"type\": \"request\", \"component\": \"vpn\"}]",
		", \"contract\": \"gold\", \"alternates\": [\"hostco\", \"dataco\"], "
		"\"items\": [\"srv-01\"]"), "sla");
	check_diff(base, AGREED(
		"{\"service_hours\": \"24x7\", \"targets\": {\"p1\": {\"response_min\": 15}}}",
		"[{\"type\": \"request\", \"category\": \"account\", \"component\": \"vpn\"}]",
		", \"contract\": \"gold\", \"alternates\": [\"hostco\", \"dataco\"], "
		"\"items\": [\"srv-01\"]"), "rules");
	/* The order of alternates matters: it is the order of the hops. */
	check_diff(base, AGREED(
		"{\"service_hours\": \"24x7\", \"targets\": {\"p1\": {\"response_min\": 15}}}",
		"[{\"type\": \"request\", \"component\": \"vpn\"}]",
		", \"contract\": \"gold\", \"alternates\": [\"dataco\", \"hostco\"], "
		"\"items\": [\"srv-01\"]"), "~ component vpn");
	check_diff(base, AGREED(
		"{\"service_hours\": \"24x7\", \"targets\": {\"p1\": {\"response_min\": 15}}}",
		"[{\"type\": \"request\", \"component\": \"vpn\"}]",
		", \"contract\": \"silver\", \"alternates\": [\"hostco\", \"dataco\"], "
		"\"items\": [\"srv-01\", \"srv-02\"]"), "~ component vpn");
	check_diff(base, AGREED("null", "[]", ""), "rules, sla, ~ component vpn");
#undef AGREED
}

/* ---- the plan ---------------------------------------------------------- */

static char *print_plan(const struct kt_chain_plan *plan)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	kt_chain_plan_print(plan, f);
	fclose(f);
	return text;
}

static void test_plan_print(void **state)
{
	struct kt_chain_plan plan = { 0 };
	struct kt_chain_change *ch;
	char *text;

	(void)state;
	ch = kt_chain_plan_add(&plan, KT_CHAIN_SERVICE, KT_CHAIN_UPDATE, "acme-workplace");
	ch->version = 2;
	ch->n_components = 3;
	ch->what = strdup("+ component dns, - component vpn, ~ component hosting");
	snprintf(ch->id, sizeof(ch->id), "%s", "00000000-0000-0000-0000-00000000000a");
	ch = kt_chain_plan_add(&plan, KT_CHAIN_SERVICE, KT_CHAIN_SAME, "x");
	ch->version = 4;
	snprintf(ch->id, sizeof(ch->id), "%s", "00000000-0000-0000-0000-00000000000b");
	ch = kt_chain_plan_add(&plan, KT_CHAIN_SERVICE, KT_CHAIN_ADD, "globex-hosting");
	ch->version = 1;
	ch->n_components = 1;
	ch = kt_chain_plan_add(&plan, KT_CHAIN_SUPPLIER, KT_CHAIN_UPDATE, "netco");
	ch->what = strdup("endpoint");
	kt_chain_plan_add(&plan, KT_CHAIN_SUPPLIER, KT_CHAIN_SAME, "hostco");
	kt_chain_plan_add(&plan, KT_CHAIN_CUSTOMER, KT_CHAIN_ADD, "globex");
	kt_chain_plan_add(&plan, KT_CHAIN_CUSTOMER, KT_CHAIN_ADD, "acme");
	kt_chain_plan_sort(&plan);
	assert_int_equal(kt_chain_plan_count(&plan), 5);

	text = print_plan(&plan);
	assert_string_equal(text,
		"+ customer acme\n"
		"+ customer globex\n"
		"= supplier hostco: unchanged\n"
		"~ supplier netco (endpoint)\n"
		"~ service acme-workplace: chain version 2 (+ component dns, - component vpn, ~ component hosting)\n"
		"+ service globex-hosting: chain version 1 (1 component)\n"
		"= service x: unchanged\n"
		"service acme-workplace id 00000000-0000-0000-0000-00000000000a\n"
		"service x id 00000000-0000-0000-0000-00000000000b\n"
		"chain import: 5 change(s)\n");
	free(text);

	plan.dry_run = 1;
	text = print_plan(&plan);
	assert_non_null(strstr(text, "chain import: 5 change(s) (dry run, nothing applied)\n"));
	free(text);
	kt_chain_plan_release(&plan);
	assert_null(plan.changes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_fixtures),
		cmocka_unit_test(test_invalid_fixtures),
		cmocka_unit_test(test_demo_chain),
		cmocka_unit_test(test_invalid_json_position),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_problem_cap),
		cmocka_unit_test(test_long_member_path),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_agreements),
		cmocka_unit_test(test_plan_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
