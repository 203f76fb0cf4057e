/* fuzz_adapter.h - the libFuzzer harness every adapter's readers share:
 * an input's first byte picks the reader (a push, a page of one poll
 * feed, a step's answer, a lookup's answer, an error answer), its second
 * the operation, step and status, and the rest is the body. A target file
 * names the adapter and its fixtures (paths from the repository's root,
 * where `make fuzz` runs the targets) with KT_FUZZ_ADAPTER_TARGET. */
#ifndef KETEN_FUZZ_ADAPTER_H
#define KETEN_FUZZ_ADAPTER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "keten/adapter.h"

struct kt_fuzz_fixture {
	const char *adapter;  /* its registered name */
	const char *mapping;  /* a supplier {"key", "endpoint", "mapping"}, a
				 bare mapping, or NULL for none; paths from
				 the repository's root */
	const char *leg_view; /* a leg view; external_id is set when null */
};

/* Loads path or exits: a harness without its fixture fuzzes nothing. */
static json_t *kt_fuzz_load(const char *path)
{
	json_error_t e;
	json_t *v = json_load_file(path, 0, &e);

	if (!v) {
		fprintf(stderr, "fuzz: %s: %s (run from the repository's root)\n", path, e.text);
		exit(2);
	}
	return v;
}

static json_t *kt_fuzz_supplier(const char *path)
{
	json_t *m = path ? kt_fuzz_load(path) : NULL;

	/* poll_since: the pass's since the poll engine hands read_poll */
	if (!m)
		return json_pack("{s:s, s:s, s:s}", "key", "fuzz-supplier",
				 "endpoint", "https://127.0.0.1:9/",
				 "poll_since", "2026-11-25T19:00:00Z");
	if (json_object_get(m, "mapping"))
		return m;
	return json_pack("{s:s, s:s, s:o, s:s}", "key", "fuzz-supplier",
			 "endpoint", "https://127.0.0.1:9/", "mapping", m,
			 "poll_since", "2026-11-25T19:00:00Z");
}

static void kt_fuzz_read_list(const struct kt_adapter *ad, const json_t *supplier,
			      const char *feed, const char *page, const struct kt_answer *a)
{
	struct kt_inbound_list list = {0};
	struct kt_err err = {0};

	if (feed)
		ad->read_poll(supplier, feed, page, a, &list, &err);
	else
		ad->read_inbound(supplier, a, &list, &err);
	kt_inbound_list_release(&list);
	kt_err_release(&err);
}

static void kt_fuzz_read_answer(const struct kt_adapter *ad, const json_t *supplier,
				json_t *view, uint8_t how, const struct kt_answer *a, int lookup)
{
	static const enum kt_operation ops[] = { KT_OP_CREATE, KT_OP_UPDATE, KT_OP_COMMENT,
						 KT_OP_RESOLVE, KT_OP_CANCEL };
	json_t *payload = json_pack("{s:{s:s, s:s, s:s}}", "comment", "text", "fuzz",
				    "author", "customer", "origin", "keten:fuzz");
	struct kt_adapter_msg msg = {
		.op = ops[how % 5], .message_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7",
		.seq = 1, .attempt = 1 + (how >> 7), .step = (how >> 3) & 3,
		.state = NULL, .leg_view = view, .supplier = supplier, .payload = payload,
	};
	json_t *state = msg.step ? json_object() : NULL;
	struct kt_adapter_reply reply = {0};
	struct kt_err err = {0};
	int found = 0;

	msg.state = state;
	if (lookup && ad->read_lookup)
		ad->read_lookup(&msg, a, &found, &reply, &err);
	else if (!lookup)
		ad->read_reply(&msg, a, &reply, &err);
	kt_adapter_reply_release(&reply);
	kt_err_release(&err);
	json_decref(state);
	json_decref(payload);
}

/* Runs one input against fx's adapter. */
static int kt_fuzz_adapter(const struct kt_fuzz_fixture *fx, const uint8_t *data, size_t size)
{
	static json_t *supplier, *view;
	static const struct kt_adapter *ad;
	size_t n_feeds = 0;
	char err_text[256];

	if (!ad) {
		ad = kt_adapter_find(fx->adapter);
		if (!ad) {
			fprintf(stderr, "fuzz: no adapter %s\n", fx->adapter);
			exit(2);
		}
		supplier = kt_fuzz_supplier(fx->mapping);
		view = kt_fuzz_load(fx->leg_view);
		json_object_set_new(json_object_get(view, "leg"), "external_id",
				    json_string("EXT-1"));
	}
	if (size < 2)
		return 0;
	while (ad->poll_feeds && ad->poll_feeds[n_feeds])
		n_feeds++;
	uint8_t pick = data[0] % (4 + n_feeds), how = data[1];
	struct kt_answer a = { .http_status = 200 + (how & 1), .body = (const char *)data + 2,
			       .len = size - 2 };

	if (pick == 0 && ad->read_inbound) {
		a.http_status = 0;
		kt_fuzz_read_list(ad, supplier, NULL, NULL, &a);
	} else if (pick == 1) {
		kt_fuzz_read_answer(ad, supplier, view, how, &a, 0);
	} else if (pick == 2) {
		kt_fuzz_read_answer(ad, supplier, view, how, &a, 1);
	} else if (pick == 3 && ad->read_error) {
		a.http_status = 400 + (how & 0x7f);
		ad->read_error(&a, err_text, sizeof err_text);
	} else if (pick >= 4 && ad->read_poll) {
		/* how's low bit: a later page, named by the body's first line */
		const char *nl = memchr(a.body, '\n', a.len);
		char *page = NULL;

		if ((how & 1) && nl) {
			page = strndup(a.body, (size_t)(nl - a.body));
			a.len -= (size_t)(nl - a.body) + 1;
			a.body = nl + 1;
		}
		a.http_status = 200;
		kt_fuzz_read_list(ad, supplier, ad->poll_feeds[pick - 4], page, &a);
		free(page);
	}
	return 0;
}

/* Defines the target's entry point for adapter name and its fixtures. */
#define KT_FUZZ_ADAPTER_TARGET(name, mapping_path, leg_view_path)             \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)           \
	{                                                                      \
		static const struct kt_fuzz_fixture fx = { name, mapping_path, \
							   leg_view_path };    \
		return kt_fuzz_adapter(&fx, data, size);                       \
	}

#endif
