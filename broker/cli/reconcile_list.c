/* reconcile_list.c - the suppliers' side of `keten reconcile` (see
 * cli/reconcile_list.h): one supplier session at a time, its listing read
 * page by page, compared with the legs in the database. */
#include <stdio.h>
#include <stdlib.h>

#include "base/secret.h"
#include "cli/cli.h"
#include "cli/reconcile_list.h"
#include "cli/supplier_session.h"
#include "dispatch/transport.h"
#include "store/tx_reconcile.h"

/* The most pages one supplier's listing reads: a listing that never ends
 * is a receiver's fault, reported as such. */
#define MAX_PAGES 10000

/* One supplier's listing: [{"id", "leg"}] gathered, or why it failed. */
struct listing {
	json_t *tickets;
	char why[512];
};

static int list_page(const struct kt_cli_session *ss, const char *page, struct listing *l,
		     char **next)
{
	struct kt_http_request req = { 0 };
	struct kt_cli_call cc = { 0 };
	struct kt_inbound_list items = { 0 };
	struct kt_err err = { 0 };
	struct kt_answer ans;
	int rc = KT_ERR;

	*next = NULL;
	if (ss->a->build_list(ss->s, page, &req, &err)) {
		snprintf(l->why, sizeof(l->why), "%s", err.message);
		goto out;
	}
	if (kt_cli_call_once(ss, &req, &cc)) {
		snprintf(l->why, sizeof(l->why), "%s %s: %s", req.method, req.url,
			 cc.why[0] ? cc.why : "not sent");
		goto out;
	}
	ans = kt_cli_call_answer(&cc);
	if (ss->a->read_list(ss->s, page, &ans, &items, &err)) {
		snprintf(l->why, sizeof(l->why), "%s", err.message);
		goto out;
	}
	for (size_t i = 0; i < items.n; i++)
		if (json_array_append_new(l->tickets,
					  json_pack("{s:s, s:s?}", "id", items.items[i].external_id,
						    "leg", items.items[i].leg_id))) {
			snprintf(l->why, sizeof(l->why), "out of memory");
			goto out;
		}
	*next = items.next_page;
	items.next_page = NULL;
	rc = KT_OK;
out:
	kt_inbound_list_release(&items);
	kt_cli_call_release(&cc);
	kt_http_request_release(&req);
	kt_err_release(&err);
	return rc;
}

static int list_all(const struct kt_cli_session *ss, void *arg)
{
	struct listing *l = arg;
	char *page = NULL, *next;
	int pages = 0, rc = KT_OK;

	do {
		if (++pages > MAX_PAGES) {
			snprintf(l->why, sizeof(l->why), "more than %d pages: the listing does not end",
				 MAX_PAGES);
			rc = KT_ERR;
			break;
		}
		rc = list_page(ss, page, l, &next);
		free(page);
		page = next;
	} while (rc == KT_OK && page);
	free(page);
	return rc;
}

/* What cannot be known of the supplier's side beyond its listing. */
static void say_unchecked(const json_t *s, long long open)
{
	const struct kt_adapter *a = kt_adapter_find(json_string_value(json_object_get(s, "adapter")));
	const char *key = json_string_value(json_object_get(s, "key"));

	if (!open)
		return;
	if (a && a->poll_feeds && !json_is_null(json_object_get(s, "poll")))
		printf("  %s: polled: its updates to %lld open leg(s) since --since are read"
		       " again (without --since, since each feed's cursor)\n", key, open);
	else
		printf("  %s: push only: updates it made to %lld open leg(s) that the restore"
		       " lost are not fetched (its next push brings each ticket's state)\n",
		       key, open);
}

/* Lists supplier s and prints what Keten does not know. 1 when the
 * listing failed, 0 otherwise; KT_ERR (-1) when the database failed. */
static int one_supplier(const struct kt_config *cfg, struct kt_db *db, const json_t *s,
			struct kt_err *err)
{
	const char *key = json_string_value(json_object_get(s, "key"));
	const char *name = json_string_value(json_object_get(s, "adapter"));
	const struct kt_adapter *a = kt_adapter_find(name);
	long long open = json_integer_value(json_object_get(s, "open_legs"));
	struct listing l = { .tickets = json_array() };
	json_t *unknown = NULL, *t;
	char *secrets = NULL;
	struct kt_err e = { 0 };
	size_t i;
	int rc = 1;

	if (!a || !a->build_list || !a->read_list) {
		printf("  %s: cannot list (adapter %s has no listing): %lld open leg(s) not"
		       " compared with its tickets\n", key, name, open);
		rc = 0;
		goto out;
	}
	if (!l.tickets)
		snprintf(l.why, sizeof(l.why), "out of memory");
	else if (kt_cli_supplier_secrets(s, &secrets, &e))
		snprintf(l.why, sizeof(l.why), "%s", e.message);
	else if (kt_cli_with_supplier(cfg, s, secrets, list_all, &l) == KT_OK)
		rc = 0;
	if (rc) {
		printf("  %s: could not list: %s\n", key, l.why[0] ? l.why : "no session");
		goto out;
	}
	if (!(unknown = kt_store_reconcile_unknown(db, json_string_value(json_object_get(s, "id")),
						   l.tickets, err))) {
		rc = KT_ERR;
		goto out;
	}
	printf("  %s: %zu ticket(s) listed, %zu unknown to Keten\n", key,
	       json_array_size(l.tickets), json_array_size(unknown));
	json_array_foreach(unknown, i, t) {
		const char *leg = json_string_value(json_object_get(t, "leg"));

		printf("    %s ticket %s (reference %s) unknown to Keten\n", key,
		       json_string_value(json_object_get(t, "id")), leg ? leg : "none");
	}
out:
	if (rc != KT_ERR)
		say_unchecked(s, open);
	kt_err_release(&e);
	kt_secret_free(secrets);
	json_decref(unknown);
	json_decref(l.tickets);
	return rc;
}

int kt_reconcile_list(const struct kt_config *cfg, struct kt_db *db, const char *supplier_key,
		      int *failed, struct kt_err *err)
{
	json_t *suppliers = kt_store_reconcile_suppliers(db, supplier_key, err), *s;
	size_t i;
	int rc = KT_OK;

	*failed = 0;
	if (!suppliers)
		return KT_ERR;
	printf("reconcile: %zu supplier(s) asked for their tickets carrying Keten's reference"
	       " (those Keten does not know are only reported)\n", json_array_size(suppliers));
	kt_transport_global_init();
	json_array_foreach(suppliers, i, s) {
		if ((rc = one_supplier(cfg, db, s, err)) == KT_ERR)
			break;
		*failed += rc;
	}
	kt_transport_global_cleanup();
	json_decref(suppliers);
	return rc == KT_ERR ? KT_ERR : KT_OK;
}
