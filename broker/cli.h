/* cli.h - what the keten subcommands share: their entry points and the
 * loading of configuration (file given by --config, then environment). */
#ifndef KETEN_CLI_H
#define KETEN_CLI_H

#include "config.h"
#include "store.h"

/* Each subcommand takes argc/argv starting at its own name and returns the
 * process exit code (0 ok, 1 failure, 2 usage). */
int kt_cmd_serve(int argc, char **argv);
int kt_cmd_migrate(int argc, char **argv);
int kt_cmd_chain(int argc, char **argv);
int kt_cmd_key(int argc, char **argv);

/* Defaults, then config_file (may be NULL), then KETEN_* variables. Prints
 * the error and returns KT_ERR on failure. */
int kt_cli_load_config(struct kt_config *cfg, const char *config_file);

/* Opens a database session for a subcommand, printing any error. */
int kt_cli_open_db(const struct kt_config *cfg, struct kt_db **db);

/* Prints "keten: <message>" (and details) to stderr. */
void kt_cli_print_err(const struct kt_err *err);

#endif
