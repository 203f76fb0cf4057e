/* stream.h - the live stream, GET /v1/stream (issue 15): server-sent
 * events on the loop, one chunked answer per watcher, fed by the database's
 * `keten_live` notifications (store/listen.h, migration 031, relayed by
 * http/live_relay.h) and filtered
 * per principal, with heartbeats, a cap of its own, and a periodic check
 * that ends the streams of revoked or expired keys and of ended, expired
 * or idle sessions (store/rule_watch.h). */
#ifndef KETEN_STREAM_H
#define KETEN_STREAM_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_request;
struct kt_streams;

/* The streams of app's node: listens on KT_LIVE_CHANNEL with its own
 * database session, beats every cfg->stream_heartbeat_ms and checks keys
 * and sessions every cfg->stream_recheck_ms. NULL with err when out of memory. */
struct kt_streams *kt_streams_new(struct kt_app *app, struct kt_err *err);

/* Turns r (answered OK by the route's work, loop thread) into an open
 * stream: its headers and a first comment go out, the request stays with
 * the stream, r itself is the caller's to free. KT_ERR with err
 * unavailable "too_many_streams" at cfg->max_streams open (or while
 * shutting down): the caller answers r. */
int kt_streams_attach(struct kt_streams *s, struct kt_request *r, struct kt_err *err);

/* Ends every open stream (shutdown) and refuses new ones. */
void kt_streams_end_all(struct kt_streams *s);

/* Open streams now. */
int kt_streams_count(const struct kt_streams *s);

/* What notification payload (migration 031) tells a watcher, pure: the
 * event name ("ticket", "delivery", "queue") and its JSON data (a new
 * reference) for a principal of role (KT_ROLE_*) and customer_id; NULL
 * when this watcher is not to be told (another customer's ticket, an
 * integrator-only change, a malformed payload). */
json_t *kt_stream_event(const char *payload, int role, const char *customer_id,
			const char **event);

/* Frees s after the HTTP server's connections are gone; accepts NULL. */
void kt_streams_free(struct kt_streams *s);

#endif
