/* body_gate.h - authentication before a large body: each API connection's
 * bytes pass through its gate before evhttp sees them. The gate holds each
 * request's head until it is whole and lets its body through only when
 * the body is small (pre_auth_body_bytes), or the bearer key is known to
 * work (the key cache, else one lookup on the API pool while the
 * connection's reading is paused). Otherwise evhttp gets the head without
 * its body, marked, and the handler answers the recorded refusal (401,
 * 413, 429 or 503) and closes: at most a head and a few TLS records of an
 * unauthenticated body are ever buffered. The inbound route (signed, no
 * key) has its own bound, inbound_max_body_bytes. Loop thread only. */
#ifndef KETEN_HTTP_BODY_GATE_H
#define KETEN_HTTP_BODY_GATE_H

#include "keten/err.h"

struct bufferevent;
struct kt_app;
struct kt_body_gate;

/* The header that marks a head let through without its body. A caller
 * that sends it itself is refused (400). */
#define KT_BODY_GATE_MARK "X-Keten-Refused-Before-Body"

/* A gate on bev's input (bev borrowed: free the gate before it). app is
 * borrowed: its config, key cache, throttle and API pool. NULL when out of
 * memory. */
struct kt_body_gate *kt_body_gate_new(struct kt_app *app, struct bufferevent *bev);

/* evhttp handed a request to the handler (1) or the handler answered it
 * (0): while handling, the gate never runs evhttp's read callback. */
void kt_body_gate_handling(struct kt_body_gate *g, int handling);

/* The refusal of the marked request into err (class, code, message) and
 * *retry_after_s (0: none). KT_ERR when the gate refused nothing (the mark
 * came from the caller). */
int kt_body_gate_refusal(const struct kt_body_gate *g, struct kt_err *err,
			 int *retry_after_s);

/* Frees g; a lookup in flight is forgotten. Accepts NULL. */
void kt_body_gate_free(struct kt_body_gate *g);

#endif
