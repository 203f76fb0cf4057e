/* main.c - the keten binary: picks the subcommand and hands over. */
#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "serve", kt_cmd_serve, "run the broker: HTTPS API, dispatcher, inbound" },
	{ "migrate", kt_cmd_migrate, "apply the database migrations" },
	{ "chain", kt_cmd_chain, "import chain documents (chain import FILE)" },
	{ "key", kt_cmd_key, "create API keys (key create --role ...)" },
};

static void usage(FILE *to)
{
	fprintf(to, "usage: keten <command> [options]   (keten <command> --help)\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(to, "\nConfiguration: --config FILE and KETEN_* environment variables;\n"
		    "`keten serve --help` lists every setting.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "keten: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
