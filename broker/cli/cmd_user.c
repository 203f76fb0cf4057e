/* cmd_user.c - `keten user create|invite|reset|list|disable`: people who
 * sign in to the portal. A password comes only on stdin, never on the
 * command line; links are printed once (only their hash is stored). */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/password.h"
#include "cli/cli.h"
#include "people/people.h"
#include "store/row_person.h"
#include "store/tx_person.h"

static const char usage[] =
	"usage: keten user create --email E --name N --role integrator|customer\n"
	"                         [--customer KEY] [--password-stdin] [--config FILE]\n"
	"       keten user invite --email E --name N --role integrator|customer\n"
	"                         [--customer KEY] [--config FILE]\n"
	"       keten user reset EMAIL [--config FILE]\n"
	"       keten user list [--config FILE]\n"
	"       keten user disable EMAIL [--config FILE]\n\n"
	"People sign in to the portal with an email and a password (or through\n"
	"OpenID Connect). A customer's person (--customer KEY) sees only that\n"
	"customer's tickets. create --password-stdin reads the password (at least\n"
	"12 characters, at most 1024 bytes) from the first line of stdin; without\n"
	"it the person has none until a reset link is used. invite and reset print\n"
	"a one-time link (path and token) that works for person_link_s seconds;\n"
	"a reset ends the person's sessions once used. disable ends every session\n"
	"of the person at once.\n";

struct user_opts {
	struct kt_person_new p;
	const char *role_name;
	const char *config_file;
	int password_stdin;
};

/* Reads the options into o; -1 to go on, else the exit code. */
static int read_opts(int argc, char **argv, struct user_opts *o)
{
	static const struct option longopts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "customer", required_argument, NULL, 'C' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "e:n:r:C:pc:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->p.email = optarg; break;
		case 'n': o->p.name = optarg; break;
		case 'r': o->role_name = optarg; break;
		case 'C': o->p.customer = optarg; break;
		case 'p': o->password_stdin = 1; break;
		case 'c': o->config_file = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	return -1;
}

/* The new person's fields of create and invite; the exit code 2 when they
 * do not do. */
static int check_new(struct user_opts *o)
{
	if (!o->p.email || !kt_people_email_ok(o->p.email) || !o->p.name || !*o->p.name ||
	    strlen(o->p.name) > 200) {
		fprintf(stderr, "keten: --email (an address) and --name (1 to 200 bytes) are required\n");
		return 2;
	}
	if (!o->role_name || kt_role_parse(o->role_name, &o->p.role) != KT_OK ||
	    o->p.role == KT_ROLE_SUPPLIER) {
		fprintf(stderr, "keten: --role must be integrator or customer\n");
		return 2;
	}
	if ((o->p.role == KT_ROLE_CUSTOMER) != (o->p.customer != NULL)) {
		fprintf(stderr, "keten: --customer KEY goes with --role customer, and only with it\n");
		return 2;
	}
	return -1;
}

/* The first line of stdin, hashed into hash when it meets the policy. */
static int password_from_stdin(char hash[KT_PASSWORD_HASH_MAX], struct kt_err *err)
{
	char line[KT_PASSWORD_MAX_BYTES + 3];
	size_t n;
	int rc;

	if (!fgets(line, sizeof(line), stdin))
		return kt_err_set(err, KT_EC_INVALID, "password_missing",
				  "--password-stdin: no password on stdin");
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	rc = kt_password_policy(line, err) || kt_password_hash(line, hash, err) ? KT_ERR : KT_OK;
	kt_crypto_wipe(line, sizeof(line));
	return rc;
}

static void print_person(const json_t *p)
{
	const char *fields[] = { "id", "email", "role", "customer", "state", "created_at", "name" };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = json_string_value(json_object_get(p, fields[i]));

		printf("%s%s", i ? "\t" : "", v && *v ? v : "-");
	}
	putchar('\n');
}

/* Runs one subcommand (what) on db; prints its result. */
static int run(const char *what, struct user_opts *o, const char *arg, struct kt_db *db,
	       const struct kt_config *cfg, struct kt_err *err)
{
	char hash[KT_PASSWORD_HASH_MAX];
	const char *cursor = NULL;
	json_t *v = NULL, *item;
	size_t i;

	if (strcmp(what, "create") == 0) {
		if (o->password_stdin && password_from_stdin(hash, err))
			return KT_ERR;
		v = kt_store_person_create(db, o->p.email, o->p.name, o->p.role, o->p.customer,
					   o->password_stdin ? hash : NULL, err);
		kt_crypto_wipe(hash, sizeof(hash));
		if (v)
			print_person(v);
	} else if (strcmp(what, "invite") == 0 || strcmp(what, "reset") == 0) {
		v = what[0] == 'i' ? kt_people_invite(db, &o->p, cfg->person_link_s, err)
				   : kt_people_reset(db, arg, cfg->person_link_s, err);
		if (v)
			printf("%s\n", json_string_value(json_object_get(json_object_get(v, "link"),
									 "path")));
	} else if (strcmp(what, "disable") == 0) {
		if ((v = kt_store_person_disable(db, arg, err)))
			print_person(v);
	} else {
		printf("id\temail\trole\tcustomer\tstate\tcreated_at\tname\n");
		do {
			json_decref(v);
			if (!(v = kt_store_person_list(db, 200, cursor, err)))
				return KT_ERR;
			json_array_foreach(json_object_get(v, "items"), i, item)
				print_person(item);
			cursor = json_string_value(json_object_get(v, "next_cursor"));
		} while (cursor);
	}
	json_decref(v);
	return v ? KT_OK : KT_ERR;
}

static int user_cmd(int argc, char **argv)
{
	const char *what = argv[0], *arg = NULL;
	int needs_new = strcmp(what, "create") == 0 || strcmp(what, "invite") == 0;
	int needs_arg = strcmp(what, "reset") == 0 || strcmp(what, "disable") == 0;
	struct user_opts o;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	int code = read_opts(argc, argv, &o);

	if (code >= 0)
		return code;
	if (optind != argc - needs_arg || (!needs_new && (o.p.email || o.role_name)) ||
	    (o.password_stdin && strcmp(what, "create") != 0)) {
		fputs(usage, stderr);
		return 2;
	}
	arg = needs_arg ? argv[optind] : NULL;
	if (needs_new && (code = check_new(&o)) >= 0)
		return code;
	code = 1;
	if (kt_cli_load_config(&cfg, o.config_file))
		return 1;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	if (run(what, &o, arg, db, &cfg, &err)) {
		kt_cli_print_err(&err);
		goto out;
	}
	code = 0;
out:
	kt_cli_release(&err, db, &cfg);
	return code;
}

static const struct kt_cli_command commands[] = {
	{ "create", user_cmd, "make a person (a password from stdin with --password-stdin)" },
	{ "invite", user_cmd, "make a person and print their one-time invite link" },
	{ "reset", user_cmd, "print a one-time password reset link for EMAIL" },
	{ "list", user_cmd, "list people (never a password or its hash)" },
	{ "disable", user_cmd, "stop EMAIL signing in and end their sessions" },
};

int kt_cmd_user(int argc, char **argv)
{
	return kt_cli_dispatch("keten user", commands, sizeof(commands) / sizeof(commands[0]),
			       usage, argc, argv);
}
