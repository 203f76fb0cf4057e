/* cmd_dispatch.c - `keten dispatch [status]` and `keten dispatch resume
 * --force`: the hold that keeps every node from calling suppliers after a
 * restore of the database (store/row_instance.h), shown, and lifted by an
 * operator who knows better than to run `keten reconcile` first. */
#include <getopt.h>

#include "cli/cli.h"
#include "store/row_instance.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: keten dispatch [status] [--config FILE]\n"
		"       keten dispatch resume --force [--config FILE]\n\n"
		"A broker node that finds the database behind what it saw before (a\n"
		"restore) or another database holds dispatch for every node: the API\n"
		"serves, nothing is sent to suppliers, until `keten reconcile` ran,\n"
		"which lifts the hold. status prints the hold as JSON (hold null: nodes\n"
		"deliver) and exits 0, or 3 while held. resume --force lifts it\n"
		"without a reconcile: the creates pending since the backup may then\n"
		"reach their suppliers a second time.\n");
}

static int print_hold(struct kt_db *db, int *held, struct kt_err *err)
{
	json_t *h = kt_store_dispatch_hold(db, err);
	char *text;

	if (!h)
		return KT_ERR;
	*held = !json_is_null(json_object_get(h, "hold"));
	text = json_dumps(h, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(h);
	if (!text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	printf("%s\n", text);
	free(text);
	return KT_OK;
}

static int resume(struct kt_db *db, struct kt_err *err)
{
	char *was = NULL;

	if (kt_store_dispatch_release(db, &was, err))
		return KT_ERR;
	if (was)
		printf("dispatch: the hold (%s) is lifted: every node delivers again\n", was);
	else
		printf("dispatch: not held: nothing to lift\n");
	free(was);
	return KT_OK;
}

int kt_cmd_dispatch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *cmd = "status";
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	int c, force = 0, code = 1, held = 0;

	if (argc >= 2 && argv[1][0] != '-') {
		cmd = argv[1];
		argc--;
		argv++;
	}
	while ((c = getopt_long(argc, argv, "c:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 'f': force = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (strcmp(cmd, "status") != 0 && strcmp(cmd, "resume") != 0) ||
	    (strcmp(cmd, "status") == 0 && force)) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "resume") == 0 && !force) {
		fprintf(stderr, "keten: dispatch is lifted by `keten reconcile` after a restore;"
				" `keten dispatch resume --force` lifts it without one\n");
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (strcmp(cmd, "resume") == 0)
		code = resume(db, &err) == KT_OK ? 0 : 1;
	else if (print_hold(db, &held, &err) == KT_OK)
		code = held ? 3 : 0;
out:
	if (kt_err_isset(&err))
		kt_cli_print_err(&err);
	kt_cli_release(&err, db, &cfg);
	return code;
}
