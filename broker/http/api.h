/* api.h - one API request as the HTTP layer hands it to a route, and the
 * route table. A route's work function runs on a database worker: it may
 * read everything in the request but touches no libevent object; it sets
 * status and answer (a new reference) or fills err. */
#ifndef KETEN_API_H
#define KETEN_API_H

#include <jansson.h>

#include "cli/app.h"
#include "base/crypto.h"
#include "http/auth.h"
#include "http/cookie.h"
#include "http/router.h"
#include "keten/adapter.h"
#include "keten/err.h"
#include "store/store.h"
#include "store/tx_idempotency.h"

struct kt_request {
	struct kt_app *app;
	const struct kt_http_route *route;
	char params[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES]; /* {id}-style path segments */
	char *body;                 /* owned, NUL-terminated; NULL when none */
	size_t body_len;
	unsigned char key_hash[KT_KEY_HASH_LEN];
	struct kt_principal principal;       /* set before work runs */
	int have_principal;                  /* found in the key cache on the loop */
	/* the keten_session cookie (people's sessions, issue 15) */
	char session_hash[KT_SHA256_HEX_LEN + 1]; /* its token's SHA-256; "" without one */
	int via_session;                     /* the principal is the cookie's session's */
	char session_csrf[KT_TOKEN_MAX];     /* that session's CSRF token (worker) */
	char *csrf_header;                   /* owned copy of X-CSRF-Token */
	char set_cookie[KT_COOKIE_MAX];      /* a Set-Cookie of the answer; "" none */
	char client[48];                     /* the caller's address, as connected */
	int retry_after_s;                   /* of a 429 */
	struct kt_header *headers;           /* owned copies, when the route
					      * keeps_headers; else NULL */
	size_t n_headers;
	char *query_limit, *query_cursor;    /* owned copies */
	char *query_state, *query_supplier;  /* owned copies (GET /v1/deliveries) */
	char *query_version;                 /* owned copy (GET /v1/services/{}/chain) */
	char *query_from, *query_to;         /* owned copies (GET /v1/reports/...) */
	char *query_format;                  /* owned copy (GET /v1/reports/...) */
	char *idempotency_key;               /* owned copy of Idempotency-Key */
	/* answer */
	int status;
	json_t *answer;
	char *answer_text;          /* owned; when set, sent as is instead of answer;
				     * the worker renders answer into it */
	const char *answer_type;    /* static; answer_text's media type (NULL: JSON) */
	int wake_dispatcher;        /* something was queued for suppliers */
	int stream;                 /* answered OK: becomes a live stream
				     * (http/stream.h) instead */
	/* bookkeeping of the HTTP layer */
	void *http_req;
	long long started_us;
	char request_id[24];
};

/* The route table of the API (http/routes.c), matched by http/router.h. */
extern const struct kt_http_route kt_http_routes[];
extern const int kt_http_routes_count;

/* The route handlers (api_*.c). */
int kt_api_ticket_create(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_ticket_get(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_ticket_list(struct kt_db *db, struct kt_request *r, struct kt_err *err);
/* GET /v1/tickets/{id}/timeline?cursor=&limit= (intake/api_tickets.c). */
int kt_api_ticket_timeline(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_inbound(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_ready(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_delivery_list(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_delivery_replay(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_delivery_discard(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_supplier_replay_dead(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_leg_link(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_ticket_route(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_ticket_cancel(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_ticket_close(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_ticket_reopen(struct kt_db *db, struct kt_request *r, struct kt_err *err);
/* POST /v1/tickets/{id}/priority (lifecycle/api_priority.c). */
int kt_api_ticket_priority(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_comment_create(struct kt_db *db, struct kt_request *r, struct kt_err *err);
/* GET /v1/stream (http/routes.c): the caller may watch; the loop opens
 * the stream (http/stream.h). */
int kt_api_stream(struct kt_db *db, struct kt_request *r, struct kt_err *err);

/* r's caller's view of ticket id (model/view.h), read from the full
 * record, with the first page of its timeline (at most the node's
 * ticket_timeline_entries entries) and "timeline_next_cursor" (null, or
 * the cursor of GET /v1/tickets/{id}/timeline for the rest). New
 * reference, or NULL with 404 "not_found". */
json_t *kt_api_ticket_view(struct kt_db *db, const struct kt_request *r,
			   const char *id, struct kt_err *err);
/* admin/api_admin.c: customers, suppliers and services; the route's pattern
 * ("/v1/customers...") says which. */
int kt_api_admin_list(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_admin_get(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_admin_create(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_admin_update(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_admin_delete(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_service_chain(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_service_status(struct kt_db *db, struct kt_request *r, struct kt_err *err);
/* admin/api_reports.c: GET /v1/reports/services/{id} and
 * /v1/reports/suppliers/{id} (README "SLA and reports"). */
int kt_api_report_service(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_report_supplier(struct kt_db *db, struct kt_request *r, struct kt_err *err);
/* admin/api_keys.c: GET /v1/keys, POST /v1/keys/{id}/revoke. */
int kt_api_key_list(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_key_revoke(struct kt_db *db, struct kt_request *r, struct kt_err *err);

/* people/api_session.c: POST, GET and DELETE /v1/session, POST
 * /v1/session/password (README "People and sign-in"). */
int kt_api_session_create(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_session_get(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_session_delete(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_session_password(struct kt_db *db, struct kt_request *r, struct kt_err *err);
/* people/api_people.c: GET and POST /v1/people, POST /v1/people/{id}/reset
 * and /disable (integrator only). */
int kt_api_person_list(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_person_invite(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_person_reset(struct kt_db *db, struct kt_request *r, struct kt_err *err);
int kt_api_person_disable(struct kt_db *db, struct kt_request *r, struct kt_err *err);

/* Runs the work of a creating POST (see store/tx_idempotency.h) in one
 * transaction guarded by the request's Idempotency-Key, if any, scoped to
 * the caller's API key; sets r->status and r->answer_text to the answer,
 * the original one on a replay (work did not run). 400
 * "invalid_idempotency_key", 409 "idempotency_key_in_flight", 422
 * "idempotency_key_reused" or work's error. writes: as
 * kt_store_idempotency_create says. */
int kt_api_create(struct kt_db *db, struct kt_request *r, kt_store_create_fn work,
		  void *arg, enum kt_store_writes writes, struct kt_err *err);

/* Renders answer (a reference it takes, and frees; NULL counts as out of
 * memory) as the creating request's answer with status. KT_OK, or KT_ERR
 * with err internal "out_of_memory". */
int kt_api_answer_set(struct kt_store_answer *out, int status, json_t *answer,
		      struct kt_err *err);

/* The ?limit= of a list: 50 when absent, 1..200, else 400 "invalid_limit". */
int kt_api_list_limit(const struct kt_request *r, int *limit, struct kt_err *err);

/* Parses r->body as a JSON object: 400 "invalid_json" when it is not. */
json_t *kt_api_body_json(const struct kt_request *r, struct kt_err *err);

#endif
