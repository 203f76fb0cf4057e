/* cmd_reconcile.c - `keten reconcile [--supplier KEY] [--since T]
 * [--dry-run]`: after the database (or a supplier's system) was restored to
 * an earlier point, makes the broker ask before it acts again
 * (store/tx_reconcile.h) and says what it changed and what is left to the
 * integrator. It asks each supplier for the tickets that carry Keten's
 * reference first (cli/reconcile_list.h) and reports those Keten does not
 * know; the calls that change something are the dispatcher's: the lookup
 * before an in-doubt create, and the polls from the reset cursor. */
#include <getopt.h>

#include "base/civil_time.h"
#include "cli/cli.h"
#include "cli/reconcile_list.h"
#include "store/tx_reconcile.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: keten reconcile [--config FILE] [--supplier KEY] [--since TIME] [--dry-run]\n\n"
		"After a restore of the database to an earlier point (or of a supplier's\n"
		"system): first each supplier whose adapter can list is asked for the\n"
		"tickets that carry Keten's reference, and those Keten does not know\n"
		"are reported (never created, never closed); a supplier that cannot list,\n"
		"and the open legs of push-only suppliers whose missed updates cannot be\n"
		"fetched, are named. Then every pending create of an open leg without a supplier ticket is\n"
		"put in doubt, so the dispatcher asks the supplier for it by Keten's\n"
		"reference before it creates one (it re-links a ticket the supplier holds\n"
		"and never creates a second); with --since (RFC 3339), the poll cursors of\n"
		"the polled suppliers are set back to that time, so that their updates\n"
		"since then are read again and applied once, in order. Lists the dead\n"
		"letters of open legs and the open legs delivered without a supplier id,\n"
		"which are the integrator's to look at. Without --supplier, it lifts the\n"
		"hold on dispatch that a broker node set when it found the database\n"
		"restored (`keten dispatch`). --dry-run says all of it and changes\n"
		"nothing. Exit status 1 when something failed, also when a supplier\n"
		"could not be listed (the rest is done then).\n");
}

static void print_items(const json_t *items, const char *fmt_key)
{
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it)
		printf("  %s %s ticket %s%s%s\n",
		       json_string_value(json_object_get(it, "supplier")), fmt_key,
		       json_string_value(json_object_get(it, "ticket")),
		       json_object_get(it, "operation") ? " " : "",
		       json_object_get(it, "operation")
			       ? json_string_value(json_object_get(it, "operation")) : "");
}

static void print_hold(const json_t *r, int dry_run)
{
	const char *hold = json_string_value(json_object_get(r, "hold"));

	if (!hold)
		printf("reconcile: dispatch was not held\n");
	else if (json_is_true(json_object_get(r, "lifted")))
		printf("reconcile: dispatch was held (%s): %s\n", hold,
		       dry_run ? "a reconcile without --dry-run lifts it"
			       : "lifted, every node delivers again");
	else
		printf("reconcile: dispatch stays held (%s): a reconcile of every supplier"
		       " (without --supplier) lifts it\n", hold);
}

static void print_report(const json_t *r, int dry_run)
{
	const json_t *creates = json_object_get(r, "creates"), *feeds = json_object_get(r, "feeds");
	const json_t *dead = json_object_get(r, "dead"), *unlinked = json_object_get(r, "unlinked_done");
	size_t i;
	json_t *f;

	printf("reconcile: %zu create(s) put in doubt: each is looked up at its supplier"
	       " before it is sent again\n", json_array_size(creates));
	print_items(creates, "create of");
	printf("reconcile: %zu poll feed(s) set back\n", json_array_size(feeds));
	json_array_foreach(feeds, i, f) {
		const char *from = json_string_value(json_object_get(f, "from"));

		printf("  %s %s from %s to %s\n", json_string_value(json_object_get(f, "supplier")),
		       json_string_value(json_object_get(f, "feed")), from ? from : "(never read)",
		       json_string_value(json_object_get(f, "to")));
	}
	printf("reconcile: %zu dead letter(s) on open legs (replay or discard them:"
	       " GET /v1/dead-letters)\n", json_array_size(dead));
	print_items(dead, "dead letter of");
	printf("reconcile: %zu open leg(s) delivered without a supplier id (look them up at"
	       " the supplier)\n", json_array_size(unlinked));
	print_items(unlinked, "leg of");
	print_hold(r, dry_run);
	printf("reconcile: %s\n", dry_run ? "dry run: nothing changed" : "done");
}

int kt_cmd_reconcile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "supplier", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *supplier = NULL, *since = NULL;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	json_t *report = NULL;
	long long epoch;
	int c, dry_run = 0, code = 1, failed = 0;

	while ((c = getopt_long(argc, argv, "c:s:t:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 's': supplier = optarg; break;
		case 't': since = optarg; break;
		case 'n': dry_run = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (since && kt_time_parse(since, &epoch) != 0) {
		fprintf(stderr, "keten: --since \"%s\" is not an RFC 3339 time"
				" (e.g. 2026-12-01T00:00:00Z)\n", since);
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	/* The suppliers first, while the hold keeps every node from changing
	 * what they hold. */
	if (kt_reconcile_list(&cfg, db, supplier, &failed, &err))
		goto out;
	if (!(report = kt_store_reconcile(db, supplier, since, dry_run, &err)))
		goto out;
	print_report(report, dry_run);
	if (failed)
		fprintf(stderr, "keten: %d supplier(s) could not be listed (see above):"
				" their tickets were not compared\n", failed);
	code = failed ? 1 : 0;
out:
	if (kt_err_isset(&err))
		kt_cli_print_err(&err);
	json_decref(report);
	kt_cli_release(&err, db, &cfg);
	return code;
}
