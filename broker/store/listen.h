/* listen.h - one non-blocking LISTEN session on the event loop:
 * other broker processes announce new outbox work with a coalesced NOTIFY,
 * and this wakes the local dispatcher; the live stream (http/stream.h)
 * listens on a channel of its own for changes to show. The connection
 * state machine runs on the loop (libpq's non-blocking calls); it
 * reconnects by itself. */
#ifndef KETEN_STORE_LISTEN_H
#define KETEN_STORE_LISTEN_H

#include <event2/event.h>

#include "keten/err.h"

/* The channel outbox work is announced on. */
#define KT_OUTBOX_CHANNEL "keten_outbox"

/* Called on the loop when another process announced work (own
 * announcements, whose payload is self, are ignored), and after every
 * (re)connection, since announcements may have been missed meanwhile. */
typedef void kt_listener_fn(void *arg);

struct kt_listener;

/* Starts listening on KT_OUTBOX_CHANNEL. Returns NULL only when out of
 * memory: an unreachable database is retried every second. */
struct kt_listener *kt_listener_new(struct event_base *base, const char *conninfo,
				    const char *self, kt_listener_fn *cb, void *arg,
				    struct kt_err *err);

/* The channel changes that people watch (tickets, their legs and
 * timelines, deliveries) are announced on: queued by the database's
 * triggers (migrations 031, 037) and relayed by every node
 * (store/row_live.h). */
#define KT_LIVE_CHANNEL "keten_live"

/* The channel every change of customers, suppliers or services announces
 * itself on at its commit (store/rule_chain.c, kt_store_chain_lock): a
 * node drops the route plans it keeps when it hears it
 * (store/rule_route_cache.h). */
#define KT_CHAIN_CHANNEL "keten_chain"

/* Called on the loop with each notification's payload, in order; with
 * payload NULL after every (re)connection, since notifications may have
 * been missed meanwhile. */
typedef void kt_listener_note_fn(void *arg, const char *payload);

/* Starts listening on channel (a constant identifier, such as
 * KT_LIVE_CHANNEL) and calls note for everything heard. As
 * kt_listener_new otherwise. */
struct kt_listener *kt_listener_open(struct event_base *base, const char *conninfo,
				     const char *channel, kt_listener_note_fn *note, void *arg,
				     struct kt_err *err);

/* Accepts NULL. */
void kt_listener_free(struct kt_listener *l);

/* Announces new outbox work to every listening process (payload: self).
 * Runs on a worker's session. */
struct kt_db;
int kt_store_announce(struct kt_db *db, const char *self, struct kt_err *err);

#endif
