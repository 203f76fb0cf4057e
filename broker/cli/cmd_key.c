/* cmd_key.c - `keten key create|list|revoke`: makes an API key (stores its
 * hash, prints the token once), lists keys without their secrets, and
 * revokes one (every node refuses it within key_cache_ms). */
#include <ctype.h>
#include <getopt.h>

#include "base/civil_time.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "cli/cli.h"
#include "http/auth.h"
#include "store/row_key.h"

static const char create_usage[] =
	"usage: keten key create --role integrator|customer|supplier\n"
	"                        [--customer ID|KEY] [--supplier ID|KEY]\n"
	"                        [--name TEXT] [--expires WHEN] [--config FILE]\n\n"
	"Creates an API key and prints it once on stdout (its id on stderr); only\n"
	"its SHA-256 is stored. A customer key sees only that customer's tickets\n"
	"and services, a supplier key only the legs routed to that supplier.\n"
	"WHEN is a time (2027-01-31T00:00:00Z) or a span from now: 90d, 12h, 30m,\n"
	"45s. Rotate a key: create a new one, switch the caller over, then\n"
	"`keten key revoke` the old one.\n";

/* The longest life a key may be given: 100 years. */
#define MAX_LIFE_S (100LL * 365 * 86400)

/* Reads WHEN (see create_usage) into an RFC 3339 UTC time in out; -1 when
 * it is neither form, not in the future, or past MAX_LIFE_S. */
static int parse_expires(const char *when, char out[KT_TIME_UTC_LEN])
{
	static const struct { char unit; long long s; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t n = strlen(when);
	long long now = kt_clock_wall_s(), at = -1;

	if (n >= 2 && n <= 8) {
		char *end;
		long long v = strtoll(when, &end, 10);

		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (end == when + n - 1 && isdigit((unsigned char)when[0]) &&
			    *end == units[i].unit)
				at = now + v * units[i].s;
	}
	if (at < 0 && kt_time_parse(when, &at) != 0)
		return -1;
	if (at <= now || at - now > MAX_LIFE_S)
		return -1;
	kt_time_format_utc(at, out);
	return 0;
}

static int key_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "customer", required_argument, NULL, 'C' },
		{ "supplier", required_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'n' },
		{ "expires", required_argument, NULL, 'e' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role_name = NULL, *customer = NULL, *supplier = NULL, *config_file = NULL;
	const char *name = "", *expires = NULL;
	char expires_at[KT_TIME_UTC_LEN], id[KT_UUID_LEN + 1];
	unsigned char hash[KT_KEY_HASH_LEN];
	char token[KT_TOKEN_MAX];
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	enum kt_role role;
	const char *scope;
	int c, code = 1;

	while ((c = getopt_long(argc, argv, "r:C:S:n:e:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': role_name = optarg; break;
		case 'C': customer = optarg; break;
		case 'S': supplier = optarg; break;
		case 'n': name = optarg; break;
		case 'e': expires = optarg; break;
		case 'c': config_file = optarg; break;
		case 'h': fputs(create_usage, stdout); return 0;
		default: fputs(create_usage, stderr); return 2;
		}
	}
	if (!role_name || kt_role_parse(role_name, &role) != KT_OK) {
		fprintf(stderr, "keten: --role must be integrator, customer or supplier\n");
		return 2;
	}
	scope = role == KT_ROLE_CUSTOMER ? customer : role == KT_ROLE_SUPPLIER ? supplier : NULL;
	if ((role != KT_ROLE_INTEGRATOR && !scope) ||
	    (role != KT_ROLE_CUSTOMER && customer) || (role != KT_ROLE_SUPPLIER && supplier)) {
		fprintf(stderr, "keten: a %s key needs %s\n", role_name,
			role == KT_ROLE_CUSTOMER ? "--customer and nothing else" :
			role == KT_ROLE_SUPPLIER ? "--supplier and nothing else" :
			"neither --customer nor --supplier");
		return 2;
	}
	if (expires && parse_expires(expires, expires_at) != 0) {
		fprintf(stderr, "keten: --expires \"%s\" must be a future time "
			"(2027-01-31T00:00:00Z) or a span like 90d, 12h, 30m, 45s, "
			"within 100 years\n", expires);
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (kt_auth_token_new(token, sizeof(token), &err) ||
	    (kt_auth_hash(token, hash),
	     kt_store_key_create(db, role, scope, name, expires ? expires_at : NULL, hash, id,
				 &err))) {
		kt_cli_print_err(&err);
		goto out;
	}
	printf("%s\n", token);
	fprintf(stderr, "keten: created key %s\n", id);
	code = 0;
out:
	kt_crypto_wipe(token, sizeof(token));
	kt_cli_release(&err, db, &cfg);
	return code;
}

/* Parses the options of list and revoke: --config FILE, --help. Returns
 * -1 to go on, else the exit code. */
static int plain_options(int argc, char **argv, const char *usage, const char **config_file)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': *config_file = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	return -1;
}

static const char *field(const json_t *key, const char *name)
{
	const char *v = json_string_value(json_object_get(key, name));

	return v && *v ? v : "-";
}

static const char list_usage[] =
	"usage: keten key list [--config FILE]\n\n"
	"Lists every API key, one a line: id, role, customer or supplier, state\n"
	"(active, expired, revoked), created, expires, last used (moved at most\n"
	"every key_last_used_s), name. Never a key or its hash.\n";

static int key_list(int argc, char **argv)
{
	const char *config_file = NULL, *cursor = NULL;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	json_t *page = NULL;
	int code = plain_options(argc, argv, list_usage, &config_file);

	if (code >= 0)
		return code;
	code = 1;
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	printf("id\trole\tscope\tstate\tcreated_at\texpires_at\tlast_used_at\tname\n");
	do {
		json_t *next, *key;
		size_t i;

		if (!(next = kt_store_key_list(db, 200, cursor, &err))) {
			kt_cli_print_err(&err);
			goto out;
		}
		json_decref(page);
		page = next;
		json_array_foreach(json_object_get(page, "items"), i, key)
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", field(key, "id"),
			       field(key, "role"),
			       json_is_string(json_object_get(key, "customer")) ? field(key, "customer")
			       : field(key, "supplier"),
			       field(key, "state"), field(key, "created_at"),
			       field(key, "expires_at"), field(key, "last_used_at"),
			       field(key, "name"));
		cursor = json_string_value(json_object_get(page, "next_cursor"));
	} while (cursor);
	code = 0;
out:
	json_decref(page);
	kt_cli_release(&err, db, &cfg);
	return code;
}

static const char revoke_usage[] =
	"usage: keten key revoke ID [--config FILE]\n\n"
	"Revokes API key ID (see `keten key list`): every node refuses it within\n"
	"key_cache_ms (5 s at most). Revoking is final.\n";

static int key_revoke(int argc, char **argv)
{
	const char *config_file = NULL;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	json_t *key = NULL;
	int code = plain_options(argc, argv, revoke_usage, &config_file);

	if (code >= 0)
		return code;
	if (optind != argc - 1) {
		fputs(revoke_usage, stderr);
		return 2;
	}
	code = 1;
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (!(key = kt_store_key_revoke(db, argv[optind], &err))) {
		kt_cli_print_err(&err);
		goto out;
	}
	printf("revoked key %s at %s\n", field(key, "id"), field(key, "revoked_at"));
	code = 0;
out:
	json_decref(key);
	kt_cli_release(&err, db, &cfg);
	return code;
}

static const struct kt_cli_command commands[] = {
	{ "create", key_create, "make an API key and print it once" },
	{ "list", key_list, "list API keys (never the keys themselves)" },
	{ "revoke", key_revoke, "stop an API key on every node" },
};

int kt_cmd_key(int argc, char **argv)
{
	return kt_cli_dispatch("keten key", commands, sizeof(commands) / sizeof(commands[0]),
			       NULL, argc, argv);
}
