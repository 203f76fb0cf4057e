/* row_poll.h - the supplier_polls table: one row per polled supplier and
 * feed (migration 018), leased to one node at a time. The lease is taken
 * and kept by the SQL functions of that migration (keten_poll_claim,
 * keten_poll_page, keten_poll_later), so that every node and the system
 * tests go through the same statements. A row file. */
#ifndef KETEN_STORE_ROW_POLL_H
#define KETEN_STORE_ROW_POLL_H

#include <jansson.h>

#include "store/store.h"

/* One feed leased to this node, as the claim read it. */
struct kt_poll_feed {
	char supplier_id[40];
	char feed[64];
	char token[40];            /* the lease token */
	int has_cursor;            /* 0 before the first complete pass */
	long long cursor_ms;       /* the cursor, Unix ms */
	char *page;                /* owned: the page the pass underway stopped
				      at; NULL: a new pass */
	long long pass_since_ms;   /* the since of the pass underway (page set) */
	int failures;              /* in a row before this lease */
	json_t *supplier;          /* owned: {id, key, adapter, endpoint,
				      secret_ref, mapping, auth, delivery, poll} */
};

/* Frees the contents of f; accepts NULL. */
void kt_poll_feed_release(struct kt_poll_feed *f);

/* Leases at most limit due feeds to node for lease_ms (keten_poll_claim:
 * rows made first for every feed of every polled supplier, feeds being
 * {adapter name: [feed names]}). *out gets a malloc'd array of *n feeds
 * (the caller's: release each, free the array), NULL when none. */
int kt_store_poll_claim(struct kt_db *db, const char *node, int lease_ms,
			const json_t *feeds, int limit, struct kt_poll_feed **out,
			size_t *n, struct kt_err *err);

/* A page read under f's lease (keten_poll_page). All borrowed. */
struct kt_poll_page_rec {
	const struct kt_poll_feed *f;
	int lease_ms;              /* the lease is renewed for this long */
	const char *since;         /* the pass's since (RFC 3339) */
	const char *next_page;     /* NULL: the pass ended with this page */
	const char *high_water;    /* the page's newest update time, or NULL */
	const char *floor;         /* the cursor when no pass saw an update yet */
};

/* Records the page; *recorded = 0 (nothing written) when the lease had
 * passed to another node. */
int kt_store_poll_page(struct kt_db *db, const struct kt_poll_page_rec *r,
		       int *recorded, struct kt_err *err);

/* Hands f back, due again in delay_ms (keten_poll_later): error non-NULL
 * counts a failure and keeps error as its last_error (it must hold no
 * secret); NULL defers without counting. *recorded as above. */
int kt_store_poll_later(struct kt_db *db, const struct kt_poll_feed *f, long long delay_ms,
			const char *error, int *recorded, struct kt_err *err);

/* [{"supplier": key, "feed", "age_ms"}] of every polled feed with a
 * cursor: how far its cursor lags behind now. New reference. */
json_t *kt_store_poll_ages(struct kt_db *db, struct kt_err *err);

#endif
