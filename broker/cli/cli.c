/* cli.c - configuration loading and error printing shared by the keten
 * subcommands, and `keten migrate`. */
#include <getopt.h>

#include "base/secret.h"
#include "cli/cli.h"

void kt_cli_print_err(const struct kt_err *err)
{
	size_t i;
	json_t *d;

	fprintf(stderr, "keten: %s\n", err->message[0] ? err->message : "failed");
	json_array_foreach(err->details, i, d)
		fprintf(stderr, "  %s: %s\n",
			json_string_value(json_object_get(d, "path")),
			json_string_value(json_object_get(d, "message")));
}

static void usage(FILE *to, const char *prog, const struct kt_cli_command *table, size_t n)
{
	fprintf(to, "usage: %s <command> [options]   (%s <command> --help)\n\n", prog, prog);
	for (size_t i = 0; i < n; i++)
		fprintf(to, "  %-10s %s\n", table[i].name, table[i].help);
}

int kt_cli_dispatch(const char *prog, const struct kt_cli_command *table, size_t n,
		    const char *more_help, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr, prog, table, n);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout, prog, table, n);
		if (more_help)
			printf("\n%s", more_help);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], table[i].name) == 0)
			return table[i].run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command \"%s\"\n", prog, argv[1]);
	usage(stderr, prog, table, n);
	return 2;
}

void kt_cli_release(struct kt_err *err, struct kt_db *db, struct kt_config *cfg)
{
	kt_err_release(err);
	kt_db_free(db);
	kt_config_release(cfg);
}

int kt_cli_load_config(struct kt_config *cfg, const char *config_file)
{
	struct kt_err err = { 0 };

	kt_config_init(cfg);
	if ((config_file && kt_config_load_file(cfg, config_file, &err)) ||
	    kt_config_load_env(cfg, &err)) {
		kt_cli_print_err(&err);
		kt_err_release(&err);
		return KT_ERR;
	}
	if (kt_secret_set_dir(cfg->secrets_dir) != KT_OK) {
		kt_err_set(&err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		kt_cli_print_err(&err);
		kt_err_release(&err);
		return KT_ERR;
	}
	return KT_OK;
}

int kt_cli_open_db(const struct kt_config *cfg, struct kt_db **db)
{
	struct kt_err err = { 0 };

	if (!cfg->database_url || !*cfg->database_url) {
		fprintf(stderr, "keten: no database: set KETEN_DATABASE_URL or "
				"database_url in the config file\n");
		return KT_ERR;
	}
	if (kt_db_open(cfg->database_url, 0, db, &err)) {
		kt_cli_print_err(&err);
		kt_err_release(&err);
		return KT_ERR;
	}
	return KT_OK;
}

int kt_cmd_migrate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	int c, applied, code = 1;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_file = optarg;
			break;
		case 'h':
			printf("usage: keten migrate [--config FILE]\n\n"
			       "Applies the numbered migrations compiled into keten that the\n"
			       "database (KETEN_DATABASE_URL) has not recorded yet. Re-running\n"
			       "is a no-op.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (kt_store_migrate(db, &applied, &err)) {
		kt_cli_print_err(&err);
		goto out;
	}
	printf("migrate: %d migration(s) applied\n", applied);
	code = 0;
out:
	kt_cli_release(&err, db, &cfg);
	return code;
}
