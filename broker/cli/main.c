/* main.c - the keten binary: picks the subcommand and hands over; says its
 * version (KT_VERSION, from the file VERSION at build time). */
#include "cli/cli.h"

static const struct kt_cli_command commands[] = {
	{ "serve", kt_cmd_serve, "run the broker: HTTPS API, dispatcher, inbound" },
	{ "migrate", kt_cmd_migrate, "apply the database migrations" },
	{ "chain", kt_cmd_chain, "import chain documents (chain import FILE)" },
	{ "key", kt_cmd_key, "create API keys (key create --role ...)" },
	{ "reconcile", kt_cmd_reconcile, "after a restore: ask the suppliers before acting again (reconcile [--supplier KEY] [--since T] [--dry-run])" },
	{ "supplier", kt_cmd_supplier, "try a supplier's credentials and mapping live (supplier check KEY); register a listener (supplier subscribe|unsubscribe)" },
	{ "user", kt_cmd_user, "people who sign in to the portal (user create|invite|reset|list|disable)" },
	{ "audit", kt_cmd_audit, "check the tamper-evident trail (audit verify); sign its heads (audit checkpoint)" },
	{ "dispatch", kt_cmd_dispatch, "after a restore: show the hold on every node's dispatch (dispatch [status]); lift it by hand (dispatch resume --force)" },
};

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		puts("keten " KT_VERSION);
		return 0;
	}
	return kt_cli_dispatch("keten", commands, sizeof(commands) / sizeof(commands[0]),
			       "Configuration: --config FILE and KETEN_* environment variables;\n"
			       "`keten serve --help` lists every setting; `keten --version` says the version.\n",
			       argc, argv);
}
