/* cmd_chain.c - `keten chain`: the subcommands on chain documents (config as
 * code). `chain import [--dry-run] [--config FILE] FILE` reads a document,
 * checks it (model/chain_doc.c), applies it in one transaction (store/tx_chain.c)
 * and prints the plan; `chain export [--service KEY]` writes what the
 * database holds as a document. A new subcommand is one entry in the table
 * below. */
#include <errno.h>
#include <getopt.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "model/chain_doc.h"
#include "sla/zones.h"

static const char doc_format[] =
	"A chain document describes customers, suppliers and the services\n"
	"with their component trees and agreements; `keten chain import` applies\n"
	"one, `keten chain export` writes one.\n\n"
	"The chain document (JSON; every object rejects unknown members, the three\n"
	"lists are optional):\n"
	"  {\"customers\": [{\"key\": \"acme\", \"name\": \"Acme BV\"}],\n"
	"   \"suppliers\": [{\"key\": \"netco\", \"name\": \"NetCo\", \"adapter\": \"webhook\",\n"
	"                  \"endpoint\": \"https://127.0.0.1:9101/hooks\",\n"
	"                  \"secret_ref\": \"env:KETEN_SECRET_NETCO\",\n"
	"                  \"visibility\": {\"name_to_customer\": true,\n"
	"                                 \"public_comments_to_customer\": true},\n"
	"                  \"mapping\": {},\n"
	"                  \"contracts\": [{\"key\": \"netco-gold\", \"name\": \"NetCo Gold UC\",\n"
	"                    \"targets\": {\"p1\": {\"acknowledge_min\": 15, \"resolve_min\": 240}}}]}],\n"
	"   \"services\": [{\"key\": \"acme-workplace\", \"customer\": \"acme\",\n"
	"                 \"name\": \"Workplace Acme\", \"default_component\": \"workplace\",\n"
	"                 \"sla\": {\"service_hours\": \"24x7\", \"availability_target\": 99.9,\n"
	"                   \"targets\": {\"p1\": {\"response_min\": 15, \"resolution_min\": 240}}},\n"
	"                 \"rules\": [{\"type\": \"request\", \"category\": \"account\",\n"
	"                   \"component\": \"vpn\"}],\n"
	"                 \"components\": [{\"key\": \"workplace\", \"name\": \"Workplace\",\n"
	"                   \"kind\": \"application\", \"children\": [{\"key\": \"vpn\",\n"
	"                   \"name\": \"VPN\", \"kind\": \"network\", \"supplier\": \"netco\",\n"
	"                   \"contract\": \"netco-gold\", \"alternates\": [\"hostco\"],\n"
	"                   \"items\": [\"vpn-gw-01\"]}]}]}]}\n"
	"Rules:\n"
	"  key         1 to 63 of a-z, 0-9 and -, not starting with -; unique in its\n"
	"              list (component keys: in their service's whole tree)\n"
	"  name        1 to 200 bytes (also a category and an item)\n"
	"  adapter     a supplier adapter keten has (webhook, ...)\n"
	"  endpoint    https://..., at most 2048 bytes, no user@ before the host\n"
	"  secret_ref  where keten reads the supplier's secret: env:KETEN_SECRET_NAME\n"
	"              or file:/<secrets_dir>/name, a regular file directly in the\n"
	"              node's secrets_dir (never the secret itself)\n"
	"  visibility  may the customer see the supplier's name, its public\n"
	"              comments (both default true)\n"
	"  mapping     free-form object for the supplier's adapter (default {})\n"
	"  contracts   the supplier's UCs: key and name required; targets p1..p5,\n"
	"              each {acknowledge_min, resolve_min}\n"
	"  delivery    the supplier's own limits, each replacing the node's setting\n"
	"              supplier_<name> within its bounds: max_inflight,\n"
	"              connect_timeout_ms, timeout_ms, low_speed_bytes,\n"
	"              low_speed_time_s, max_response_bytes, retry_budget_s,\n"
	"              search_lag_ms (default {}: the node's); and allow_addresses,\n"
	"              the kinds of address beyond public ones its calls may\n"
	"              connect to: [\"loopback\", \"private\", \"link-local\"]\n"
	"              (default []: a supplier on such an address is refused)\n"
	"  minutes     whole numbers from 1 to 527040 (a year)\n"
	"  sla         service_hours (\"24x7\", the default, or {timezone, days of\n"
	"              mon..sun, from, to as HH:MM, to later than from}),\n"
	"              availability_target (percent, above 0, at most 100),\n"
	"              targets p1..p5, each {response_min, resolution_min}\n"
	"              outage {types, priorities}: the tickets that count as an\n"
	"              outage in the reports (default incidents of priority 1)\n"
	"  rules       {type?, category?, component}: a type (incident, request,\n"
	"              change, problem), a category or both; a component of the\n"
	"              service. Most specific match wins, then document order\n"
	"  kind        hardware, system_software, network, application, data,\n"
	"              facilities or people\n"
	"  supplier    the supplier delivering a component: required on a component\n"
	"              without children, allowed on any\n"
	"  contract    one of the component's supplier's contracts\n"
	"  alternates  suppliers a rejected leg goes to next, in order; not the\n"
	"              component's own; contract and alternates need a supplier\n"
	"  items       configuration item names, unique in the service\n"
	"  customer, supplier, alternates  keys defined in this document or in the\n"
	"              database\n"
	"  default_component   a component of that service (optional)\n"
	"  children    nest components at most 16 deep; components: at least one\n"
	"JSON Schema: schemas/chain.schema.json; example: deploy/demo-chain.json.\n";

static void import_help(FILE *to)
{
	fprintf(to,
		"usage: keten chain import [--dry-run] [--config FILE] FILE\n\n"
		"Checks the chain document FILE (\"-\" reads standard input) and applies it\n"
		"in one transaction: customers and suppliers are created or updated by key;\n"
		"a service whose chain (name, default_component, sla, rules, component tree)\n"
		"differs from its current version gets a new chain version. What FILE does not\n"
		"name is left as it is; importing the same file again changes nothing.\n\n"
		"  -n, --dry-run      run the same transaction, print the plan, roll it back\n"
		"  -c, --config FILE  settings file (the database: database_url, or\n"
		"                     KETEN_DATABASE_URL)\n"
		"  -h, --help         this text\n\n"
		"Output, one line per entry (+ added, ~ changed, = unchanged), sorted:\n"
		"  + customer acme\n"
		"  ~ supplier netco (endpoint)\n"
		"  + service acme-workplace: chain version 1 (3 components)\n"
		"  ~ service acme-workplace: chain version 2 (+ component dns, ~ component vpn)\n"
		"  = service globex-hosting: unchanged\n"
		"then `service <key> id <uuid>` per service (a dry run's new services have\n"
		"no id yet) and `chain import: N change(s)`.\n"
		"Every problem goes to stderr with its JSON pointer; nothing is applied.\n"
		"Exit status: 0 done, 1 invalid document or database error, 2 usage.\n\n%s",
		doc_format);
}

/* Reads all of path ("-": standard input), at most KT_CHAIN_DOC_MAX_BYTES
 * + 1 bytes so that the parser sees an oversized document as such. *buf is
 * a new buffer for the caller to free(). */
static int read_doc(const char *path, char **buf, size_t *len, struct kt_err *err)
{
	const size_t max = (size_t)KT_CHAIN_DOC_MAX_BYTES + 1;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[64 * 1024];
	struct kt_buf b;
	size_t got;
	int rc = KT_ERR;

	*buf = NULL;
	*len = 0;
	if (!f)
		return kt_err_set(err, KT_EC_MALFORMED, "unreadable_document",
				  "could not open chain document \"%s\": %s", path,
				  strerror(errno));
	kt_buf_init(&b, max);
	do {
		got = fread(chunk, 1, max - b.len < sizeof(chunk) ? max - b.len : sizeof(chunk), f);
		if (kt_buf_add(&b, chunk, got)) {
			kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
			goto out;
		}
	} while (got > 0 && b.len < max);
	if (ferror(f)) {
		kt_err_set(err, KT_EC_MALFORMED, "unreadable_document",
			   "could not read chain document \"%s\": %s", path,
			   strerror(errno));
		goto out;
	}
	*len = b.len;
	*buf = kt_buf_detach(&b);
	rc = KT_OK;
out:
	kt_buf_release(&b);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Puts the document's name in front of a message about its content. */
static void name_document(struct kt_err *err, const char *path)
{
	char msg[sizeof(err->message)];

	snprintf(msg, sizeof(msg), "%s", err->message);
	kt_err_set(err, err->cls, err->code, "\"%s\": %s", path, msg);
}

static int chain_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *path;
	struct kt_chain_plan plan = { 0 };
	struct kt_chain_doc *doc = NULL;
	struct kt_config cfg = { 0 }; /* kt_config_release()d on every path */
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	int c, dry_run = 0, code = 1;
	char *buf = NULL;
	size_t len;

	while ((c = getopt_long(argc, argv, "nc:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = 1;
			break;
		case 'c':
			config_file = optarg;
			break;
		case 'h':
			import_help(stdout);
			return 0;
		default:
			fprintf(stderr, "usage: keten chain import [--dry-run] "
					"[--config FILE] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: keten chain import [--dry-run] "
				"[--config FILE] FILE\n");
		return 2;
	}
	path = argv[optind];
	/* The document is checked before any database is needed. */
	if (read_doc(path, &buf, &len, &err)) {
		kt_cli_print_err(&err);
		goto out;
	}
	if (kt_chain_doc_parse(buf, len, &doc, &err) || kt_sla_zones_check(doc, &err)) {
		name_document(&err, path);
		kt_cli_print_err(&err);
		goto out;
	}
	if (kt_cli_load_config(&cfg, config_file) || kt_cli_open_db(&cfg, &db))
		goto out;
	if (kt_store_chain_import(db, doc, dry_run, &plan, &err)) {
		if (err.cls == KT_EC_INVALID)
			name_document(&err, path);
		kt_cli_print_err(&err);
		goto out;
	}
	kt_chain_plan_print(&plan, stdout);
	code = 0;
out:
	kt_db_free(db);
	kt_config_release(&cfg);
	kt_chain_plan_release(&plan);
	kt_chain_doc_free(doc);
	kt_err_release(&err);
	free(buf);
	return code;
}

static void export_help(FILE *to)
{
	fprintf(to,
		"usage: keten chain export [--service KEY] [--config FILE]\n\n"
		"Writes the chain document of what the database holds to standard output:\n"
		"every customer, every supplier (with visibility, mapping, contracts and\n"
		"delivery) and every service as its current chain version, each list in\n"
		"key order, object members sorted, indented by two spaces. Importing the\n"
		"output changes nothing, and exporting again gives the same bytes.\n\n"
		"  -s, --service KEY  only that service, its customer and the suppliers its\n"
		"                     chain names (components' suppliers and alternates)\n"
		"  -c, --config FILE  settings file (the database: database_url, or\n"
		"                     KETEN_DATABASE_URL)\n"
		"  -h, --help         this text\n\n"
		"Exit status: 0 done, 1 no such service or database error, 2 usage.\n");
}

static int chain_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *service = NULL;
	struct kt_config cfg = { 0 }; /* kt_config_release()d on every path */
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	json_t *doc = NULL;
	char *text = NULL;
	int c, code = 1;

	while ((c = getopt_long(argc, argv, "s:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			service = optarg;
			break;
		case 'c':
			config_file = optarg;
			break;
		case 'h':
			export_help(stdout);
			return 0;
		default:
			fprintf(stderr, "usage: keten chain export [--service KEY] "
					"[--config FILE]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: keten chain export [--service KEY] "
				"[--config FILE]\n");
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file) || kt_cli_open_db(&cfg, &db))
		goto out;
	if (!(doc = kt_store_chain_export(db, service, &err))) {
		kt_cli_print_err(&err);
		goto out;
	}
	if (!(text = kt_chain_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2)))) {
		kt_err_set(&err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		kt_cli_print_err(&err);
		goto out;
	}
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0) {
		kt_err_set(&err, KT_EC_INTERNAL, "write_failed", "could not write the document: %s",
			   strerror(errno));
		kt_cli_print_err(&err);
		goto out;
	}
	code = 0;
out:
	free(text);
	json_decref(doc);
	kt_cli_release(&err, db, &cfg);
	return code;
}

static const struct kt_cli_command commands[] = {
	{ "import", chain_import, "check a chain document and apply it" },
	{ "export", chain_export, "write what the database holds as a chain document" },
};

int kt_cmd_chain(int argc, char **argv)
{
	return kt_cli_dispatch("keten chain", commands, sizeof(commands) / sizeof(commands[0]),
			       doc_format, argc, argv);
}
