/* conn_limit.h - the API listener's guard against callers that hold
 * connections: a cap on open connections (accepting stops at the cap and
 * resumes below it), a deadline for each connection's TLS handshake and
 * request, a rest after accept() fails (out of file descriptors), and a
 * TLS bufferevent made ready before each accept, so that no connection is
 * ever served without TLS. Loop thread only. */
#ifndef KETEN_CONN_LIMIT_H
#define KETEN_CONN_LIMIT_H

#include "keten/err.h"

struct bufferevent;
struct event_base;
struct evconnlistener;
struct kt_app;
struct kt_tls;

struct kt_conn_limit;

/* A guard for connections on app's loop under tls (both borrowed; they
 * must outlive every connection): at most max_conns open, each closed when
 * its handshake and request take longer than deadline_ms, each read
 * through a body gate (http/body_gate.h) on app, accept() retried retry_ms
 * after it failed. NULL with err when out of memory or when no TLS state
 * can be made. Free with kt_conn_limit_free(). */
struct kt_conn_limit *kt_conn_limit_new(struct kt_app *app, struct kt_tls *tls,
					int max_conns, int deadline_ms, int retry_ms,
					struct kt_err *err);

/* Guards lev (borrowed: evhttp owns it), on which evhttp accepts: its
 * error callback and its enabling are ours from now on. One listener per
 * process: accept errors reach the guard through a process-wide pointer,
 * as libevent hands the error callback evhttp's argument, not ours. */
void kt_conn_limit_attach(struct kt_conn_limit *cl, struct evconnlistener *lev);

/* evhttp's bevcb (arg: the guard): the TLS bufferevent made ready for the
 * connection just accepted, counted as open with its deadline running;
 * the connection's owner is evhttp. Never NULL (evhttp would fall back to
 * plain text): accepting stops whenever no next one can be made. */
struct bufferevent *kt_conn_limit_bevcb(struct event_base *base, void *arg);

/* The connection of bev has handed a whole request over: its deadline
 * stops while the request is worked on. Accepts a bev not of ours. */
void kt_conn_limit_request_read(struct bufferevent *bev);

/* An answer goes out on bev: the deadline runs again, for the answer to
 * leave and the next request to arrive. Accepts a bev not of ours. */
void kt_conn_limit_answered(struct bufferevent *bev);

/* The refusal recorded by bev's body gate for the request that carries
 * its mark (KT_BODY_GATE_MARK): err and *retry_after_s (0: none); KT_ERR
 * when there is none or bev is not ours. */
int kt_conn_limit_refusal(struct bufferevent *bev, struct kt_err *err, int *retry_after_s);

/* bev's connection is answered before its body was read and closed after
 * the answer: its socket then stays open, half-closed, reading and
 * dropping what still comes, for a short linger (still counted as open),
 * so that the caller reads the answer rather than a reset. */
void kt_conn_limit_linger(struct bufferevent *bev);

/* Makes the next connection's TLS state again, from the TLS context now in
 * force (after kt_tls_reload); keeps the one it has when out of memory. */
void kt_conn_limit_renew(struct kt_conn_limit *cl);

/* Accepts no more connections, for good (drain, shutdown). Open ones are
 * still served. Call before evhttp frees the listener. */
void kt_conn_limit_stop(struct kt_conn_limit *cl);

/* Frees the guard once its connections are gone (call after evhttp_free;
 * a connection whose last free libevent still defers frees it then).
 * Accepts NULL. */
void kt_conn_limit_free(struct kt_conn_limit *cl);

#endif
