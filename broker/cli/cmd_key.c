/* cmd_key.c - `keten key create`: makes an API key, stores its hash and
 * prints the token once. */
#include <getopt.h>

#include "base/crypto.h"
#include "cli/cli.h"
#include "http/auth.h"
#include "store/row_key.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: keten key create --role integrator|customer|supplier\n"
		"                        [--customer ID|KEY] [--supplier ID|KEY] [--config FILE]\n\n"
		"Creates an API key and prints it once on stdout; only its SHA-256 is\n"
		"stored. A customer key sees only that customer's tickets and services,\n"
		"a supplier key only the legs routed to that supplier.\n");
}

int kt_cmd_key(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "customer", required_argument, NULL, 'C' },
		{ "supplier", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role_name = NULL, *customer = NULL, *supplier = NULL, *config_file = NULL;
	unsigned char hash[KT_KEY_HASH_LEN];
	char token[KT_TOKEN_MAX];
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	enum kt_role role;
	const char *scope;
	int c, code = 1;

	if (argc < 2 || strcmp(argv[1], "create") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "r:C:S:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': role_name = optarg; break;
		case 'C': customer = optarg; break;
		case 'S': supplier = optarg; break;
		case 'c': config_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
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
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (kt_auth_token_new(token, sizeof(token), &err) ||
	    (kt_auth_hash(token, hash), kt_store_key_create(db, role, scope, hash, &err))) {
		kt_cli_print_err(&err);
		goto out;
	}
	printf("%s\n", token);
	code = 0;
out:
	kt_crypto_wipe(token, sizeof(token));
	kt_cli_release(&err, db, &cfg);
	return code;
}
