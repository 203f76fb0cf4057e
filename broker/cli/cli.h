/* cli.h - what the keten subcommands share: their entry points and the
 * loading of configuration (file given by --config, then environment). */
#ifndef KETEN_CLI_H
#define KETEN_CLI_H

#include "base/config.h"
#include "store/store.h"

/* Each subcommand takes argc/argv starting at its own name and returns the
 * process exit code (0 ok, 1 failure, 2 usage). */
int kt_cmd_serve(int argc, char **argv);
int kt_cmd_migrate(int argc, char **argv);
int kt_cmd_chain(int argc, char **argv);
int kt_cmd_key(int argc, char **argv);
int kt_cmd_supplier(int argc, char **argv);
int kt_cmd_reconcile(int argc, char **argv);
int kt_cmd_audit(int argc, char **argv);
int kt_cmd_user(int argc, char **argv);
int kt_cmd_dispatch(int argc, char **argv);

/* Defaults, then config_file (may be NULL), then KETEN_* variables. Prints
 * the error and returns KT_ERR on failure. */
int kt_cli_load_config(struct kt_config *cfg, const char *config_file);

/* Opens a database session for a subcommand, printing any error. */
int kt_cli_open_db(const struct kt_config *cfg, struct kt_db **db);

/* One entry of a table of subcommands. */
struct kt_cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

/* Runs the command named by argv[1] from table (n entries), with argv
 * starting at its name. prog is how the table is called ("keten",
 * "keten chain"); more_help (may be NULL) follows the list on --help.
 * Returns the command's exit code, 0 for --help, 2 for a usage error. */
int kt_cli_dispatch(const char *prog, const struct kt_cli_command *table, size_t n,
		    const char *more_help, int argc, char **argv);

/* Releases what a subcommand took: its error, session and configuration
 * (each may be empty or NULL). */
void kt_cli_release(struct kt_err *err, struct kt_db *db, struct kt_config *cfg);

/* Prints "keten: <message>" (and details) to stderr. */
void kt_cli_print_err(const struct kt_err *err);

#endif
