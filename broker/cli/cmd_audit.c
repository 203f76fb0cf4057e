/* cmd_audit.c - `keten audit verify` walks every ticket's chain of events
 * and messages (migration 029) and reports the first broken link of each,
 * against a signed checkpoint too when given one; `keten audit checkpoint`
 * writes such a checkpoint of every ticket's chain head, signed with the
 * audit key, to be kept outside the database. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/json_field.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "model/audit_anchor.h"
#include "store/tx_audit.h"

/* Exit codes of verify beyond the shared ones (0 intact, 2 usage). */
#define EXIT_BROKEN 1
#define EXIT_UNCHECKED 3

static void usage_verify(FILE *to)
{
	fprintf(to,
		"usage: keten audit verify [--ticket ID] [--anchor FILE] [--config FILE]\n\n"
		"Recomputes the hash chain of every ticket (only ticket ID with --ticket):\n"
		"each timeline event and each message to a supplier holds the hash of the\n"
		"record before it. Prints the first broken link of each ticket (a record\n"
		"edited, removed or reordered; a head that does not match) and, with\n"
		"--anchor, where the chain differs from that signed checkpoint (written\n"
		"by `keten audit checkpoint`, checked with the audit_key setting).\n"
		"Exit status: 0 every chain intact, 1 a broken link or a bad checkpoint,\n"
		"2 usage, 3 could not verify (database, configuration, file).\n");
}

static void usage_checkpoint(FILE *to)
{
	fprintf(to,
		"usage: keten audit checkpoint [--out FILE] [--config FILE]\n\n"
		"Writes every ticket's chain head (place and hash), signed with HMAC-SHA256\n"
		"under the key the audit_key setting names, to FILE (else stdout). Keep the\n"
		"checkpoints outside the database host: `keten audit verify --anchor FILE`\n"
		"then detects a chain rewritten in the database up to the checkpoint.\n"
		"Exit status: 0 written, 2 usage, 3 could not write.\n");
}

/* Reads the checkpoint key the configuration names. */
static int load_key(const struct kt_config *cfg, char **key, struct kt_err *err)
{
	if (!cfg->audit_key)
		return kt_err_set(err, KT_EC_CONFIG, "audit_key_unset",
				  "the audit_key setting is not set (a secret reference)");
	if (kt_secret_resolve(cfg->audit_key, key, err))
		return KT_ERR;
	if (!**key) {
		kt_secret_free(*key);
		*key = NULL;
		return kt_err_set(err, KT_EC_CONFIG, "audit_key_empty", "the audit key is empty");
	}
	return KT_OK;
}

/* Reads the whole of file path (at most KT_AUDIT_ANCHOR_MAX bytes). */
static int read_file(const char *path, struct kt_buf *out, struct kt_err *err)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return kt_err_set(err, KT_EC_CONFIG, "unreadable_file",
				  "could not open \"%s\": %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (kt_buf_add(out, chunk, n))
			break;
	if (ferror(f) || out->failed) {
		fclose(f);
		return kt_err_set(err, KT_EC_CONFIG, "unreadable_file",
				  "could not read \"%s\" (unreadable or too large)", path);
	}
	fclose(f);
	return KT_OK;
}

struct verify {
	const struct kt_audit_anchor *anchor;
	unsigned char *anchor_seen;   /* one per anchor entry */
	long tickets, records, broken;
};

static void report(struct verify *v, const char *ticket_id, const char *number,
		   const struct kt_audit_finding *f)
{
	v->broken++;
	printf("broken: ticket %s (%s) at place %lld", ticket_id, number ? number : "row gone",
	       f->seq);
	if (f->record)
		printf(" (%s %s)", f->record->type == KT_AUDIT_EVENT ? "event" : "message",
		       f->record->id);
	printf(": %s: %s\n", kt_audit_break_name(f->kind), f->why);
}

static int on_ticket(void *arg, const char *ticket_id, const char *number,
		     const struct kt_audit_head *head, const struct kt_audit_record *recs,
		     size_t n, struct kt_err *err)
{
	struct verify *v = arg;
	long at = kt_audit_anchor_find(v->anchor, ticket_id);
	struct kt_audit_finding f;

	if (at >= 0)
		v->anchor_seen[at] = 1;
	v->tickets++;
	v->records += (long)n;
	if (kt_audit_walk(recs, n, head, at >= 0 ? &v->anchor->entries[at].head : NULL, &f, err))
		return KT_ERR;
	if (f.kind != KT_AUDIT_INTACT)
		report(v, ticket_id, number, &f);
	return KT_OK;
}

/* Anchored tickets the database no longer has at all. */
static void report_vanished(struct verify *v, const char *only_ticket)
{
	static const struct kt_audit_head none = { -1, NULL };
	struct kt_audit_finding f;

	for (size_t i = 0; i < v->anchor->n; i++) {
		const struct kt_audit_anchor_entry *e = &v->anchor->entries[i];

		if (v->anchor_seen[i] || (only_ticket && strcasecmp(only_ticket, e->ticket_id)))
			continue;
		v->tickets++;
		if (kt_audit_walk(NULL, 0, &none, &e->head, &f, NULL) == KT_OK &&
		    f.kind != KT_AUDIT_INTACT)
			report(v, e->ticket_id, NULL, &f);
	}
}

static int run_verify(struct kt_db *db, const char *only_ticket, const char *anchor_file,
		      const struct kt_config *cfg, struct kt_err *err)
{
	struct kt_audit_anchor anchor = { 0 };
	struct verify v = { .anchor = &anchor };
	struct kt_buf text;
	char *key = NULL;
	int code = EXIT_UNCHECKED;

	kt_buf_init(&text, KT_AUDIT_ANCHOR_MAX);
	if (anchor_file) {
		if (load_key(cfg, &key, err) || read_file(anchor_file, &text, err))
			goto out;
		if (kt_audit_anchor_parse(text.data ? text.data : "", text.len, key, strlen(key),
					  &anchor, err)) {
			code = err->cls == KT_EC_INVALID ? EXIT_BROKEN : EXIT_UNCHECKED;
			goto out;
		}
		if (anchor.n && !(v.anchor_seen = calloc(anchor.n, 1))) {
			kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
			goto out;
		}
	}
	if (kt_store_audit_each(db, only_ticket, on_ticket, &v, err))
		goto out;
	report_vanished(&v, only_ticket);
	if (only_ticket && v.tickets == 0) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_ticket", "no ticket \"%s\"", only_ticket);
		goto out;
	}
	printf("audit: %ld ticket(s), %ld record(s)%s%s: ", v.tickets, v.records,
	       anchor_file ? ", checkpoint of " : "", anchor_file ? anchor.at : "");
	if (v.broken)
		printf("%ld broken\n", v.broken);
	else
		printf("every chain intact\n");
	code = v.broken ? EXIT_BROKEN : 0;
out:
	free(v.anchor_seen);
	kt_audit_anchor_release(&anchor);
	kt_buf_release(&text);
	kt_secret_free(key);
	return code;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ticket", required_argument, NULL, 't' },
		{ "anchor", required_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ticket = NULL, *anchor = NULL, *config_file = NULL;
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	int c, code = EXIT_UNCHECKED;

	while ((c = getopt_long(argc, argv, "t:a:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': ticket = optarg; break;
		case 'a': anchor = optarg; break;
		case 'c': config_file = optarg; break;
		case 'h': usage_verify(stdout); return 0;
		default: usage_verify(stderr); return 2;
		}
	}
	if (optind < argc || (ticket && !kt_is_uuid(ticket))) {
		if (ticket && !kt_is_uuid(ticket))
			fprintf(stderr, "keten: --ticket takes a ticket's id (a uuid)\n");
		usage_verify(stderr);
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file))
		return EXIT_UNCHECKED;
	if (kt_cli_open_db(&cfg, &db))
		goto out;
	code = run_verify(db, ticket, anchor, &cfg, &err);
	if (err.code[0])
		kt_cli_print_err(&err);
out:
	kt_cli_release(&err, db, &cfg);
	return code;
}

struct checkpoint {
	struct kt_buf *out;
	long n;
};

static int on_head(void *arg, const char *ticket_id, long long seq, const char *hash_hex,
		   struct kt_err *err)
{
	struct checkpoint *cp = arg;

	kt_audit_anchor_add(cp->out, ticket_id, seq, hash_hex);
	cp->n++;
	if (cp->out->failed)
		return kt_err_set(err, KT_EC_INTERNAL, "audit_checkpoint",
				  "the checkpoint is too large");
	return KT_OK;
}

/* Writes text to path through a temporary file renamed over it, or to
 * stdout when path is NULL. */
static int write_out(const char *path, const struct kt_buf *text, struct kt_err *err)
{
	char tmp[4096];
	FILE *f;

	if (!path)
		return fwrite(text->data, 1, text->len, stdout) == text->len && fflush(stdout) == 0
			       ? KT_OK
			       : kt_err_set(err, KT_EC_CONFIG, "write_failed",
					    "could not write the checkpoint: %s", strerror(errno));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return kt_err_set(err, KT_EC_CONFIG, "write_failed", "the file name is too long");
	f = fopen(tmp, "wb");
	if (f) {
		int bad = fwrite(text->data, 1, text->len, f) != text->len || fflush(f) ||
			  fsync(fileno(f));
		int e = errno;

		if (fclose(f) == 0 && !bad && rename(tmp, path) == 0)
			return KT_OK;
		if (bad)
			errno = e;
	}
	kt_err_set(err, KT_EC_CONFIG, "write_failed", "could not write \"%s\": %s", path,
		   strerror(errno));
	remove(tmp);
	return KT_ERR;
}

static int cmd_checkpoint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_file = NULL, *config_file = NULL;
	char at[KT_CLOCK_ISO_LEN + 1];
	struct kt_config cfg;
	struct kt_err err = { 0 };
	struct kt_db *db = NULL;
	struct kt_buf text;
	struct checkpoint cp = { .out = &text };
	char *key = NULL;
	int c, code = EXIT_UNCHECKED;

	while ((c = getopt_long(argc, argv, "o:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out_file = optarg; break;
		case 'c': config_file = optarg; break;
		case 'h': usage_checkpoint(stdout); return 0;
		default: usage_checkpoint(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage_checkpoint(stderr);
		return 2;
	}
	if (kt_cli_load_config(&cfg, config_file))
		return EXIT_UNCHECKED;
	kt_buf_init(&text, KT_AUDIT_ANCHOR_MAX);
	kt_audit_anchor_begin(&text, kt_clock_wall_iso(at));
	if (load_key(&cfg, &key, &err) || kt_cli_open_db(&cfg, &db) ||
	    kt_store_audit_heads(db, on_head, &cp, &err) ||
	    kt_audit_anchor_sign(&text, key, strlen(key), &err) ||
	    write_out(out_file, &text, &err)) {
		if (err.code[0])
			kt_cli_print_err(&err);
		goto out;
	}
	fprintf(stderr, "audit: checkpoint of %ld ticket(s) at %s written to %s\n", cp.n, at,
		out_file ? out_file : "stdout");
	code = 0;
out:
	kt_buf_release(&text);
	kt_secret_free(key);
	kt_cli_release(&err, db, &cfg);
	return code;
}

int kt_cmd_audit(int argc, char **argv)
{
	static const struct kt_cli_command commands[] = {
		{ "verify", cmd_verify, "recompute every ticket's hash chain and report broken links" },
		{ "checkpoint", cmd_checkpoint, "write a signed checkpoint of every chain head" },
	};

	return kt_cli_dispatch("keten audit", commands, sizeof(commands) / sizeof(commands[0]),
			       NULL, argc, argv);
}
