/* main.c - the keten binary: picks the subcommand and hands over. */
#include "cli/cli.h"

static const struct kt_cli_command commands[] = {
	{ "serve", kt_cmd_serve, "run the broker: HTTPS API, dispatcher, inbound" },
	{ "migrate", kt_cmd_migrate, "apply the database migrations" },
	{ "chain", kt_cmd_chain, "import chain documents (chain import FILE)" },
	{ "key", kt_cmd_key, "create API keys (key create --role ...)" },
	{ "supplier", kt_cmd_supplier, "try a supplier's credentials and mapping live (supplier check KEY); register a listener (supplier subscribe|unsubscribe)" },
	{ "audit", kt_cmd_audit, "check the tamper-evident trail (audit verify); sign its heads (audit checkpoint)" },
};

int main(int argc, char **argv)
{
	return kt_cli_dispatch("keten", commands, sizeof(commands) / sizeof(commands[0]),
			       "Configuration: --config FILE and KETEN_* environment variables;\n"
			       "`keten serve --help` lists every setting.\n",
			       argc, argv);
}
