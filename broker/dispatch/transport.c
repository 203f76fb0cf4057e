/* transport.c - supplier calls with libcurl's multi-socket interface on
 * the libevent loop (see dispatch/transport.h): one persistent event per
 * socket, one timer for all of curl, easy handles set up from a call,
 * body and header callbacks with the response limit, and the curl result
 * turned into transport facts. The only file that includes curl. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <sys/socket.h>

#include "base/crypto.h"
#include "base/netaddr.h"
#include "dispatch/transport.h"

struct kt_transfer {
	struct kt_transport *t;
	CURL *easy;
	struct curl_slist *headers;
	kt_transfer_done_fn *done;
	void *arg;
	char *resp;                  /* the answer so far, bounded */
	size_t resp_len;
	size_t max_response;
	int overflow;                /* the answer exceeded max_response */
	char retry_after[64];
	struct kt_header headers_in[KT_TRANSPORT_MAX_HEADERS]; /* the last
						* response's, bounded */
	size_t n_headers_in;
	char curl_err[CURL_ERROR_SIZE];
	unsigned allow_addresses;    /* kinds beyond public it may connect to */
	char refused[128];           /* the last address refused, and its kind */
	int connected;               /* an allowed address was tried */
	LIST_ENTRY(kt_transfer) link;
};

struct kt_transport {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	LIST_HEAD(, kt_transfer) transfers;
};

static void headers_in_clear(struct kt_transfer *x)
{
	for (size_t i = 0; i < x->n_headers_in; i++) {
		free(x->headers_in[i].name);
		free(x->headers_in[i].value);
	}
	x->n_headers_in = 0;
}

/* Wipes the request's header lines before curl frees them: they carry
 * the supplier's credentials (Authorization, an API token header). */
static void headers_wipe(struct curl_slist *l)
{
	for (; l; l = l->next)
		if (l->data)
			kt_crypto_wipe(l->data, strlen(l->data));
}

static void transfer_free(struct kt_transfer *x)
{
	headers_in_clear(x);
	LIST_REMOVE(x, link);
	curl_multi_remove_handle(x->t->multi, x->easy);
	curl_easy_cleanup(x->easy);
	headers_wipe(x->headers);
	curl_slist_free_all(x->headers);
	free(x->resp);
	free(x);
}

void kt_transfer_abandon(struct kt_transfer *x)
{
	if (x)
		transfer_free(x);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct kt_transfer *x = arg;
	size_t n = size * nmemb;
	char *grown;

	if (x->resp_len + n > x->max_response) {
		x->overflow = 1;
		return 0; /* a short count makes curl stop the transfer */
	}
	grown = realloc(x->resp, x->resp_len + n + 1);
	if (!grown)
		return 0;
	x->resp = grown;
	memcpy(x->resp + x->resp_len, data, n);
	x->resp_len += n;
	x->resp[x->resp_len] = '\0';
	return n;
}

/* Keeps the header line data (n bytes, with its line end) among x's
 * answer headers while there is room: a longer or later one is dropped. */
static void keep_header(struct kt_transfer *x, const char *data, size_t n)
{
	const char *colon = memchr(data, ':', n);
	const char *v, *end = data + n;
	struct kt_header *h;

	if (!colon || x->n_headers_in == KT_TRANSPORT_MAX_HEADERS ||
	    n > KT_TRANSPORT_MAX_HEADER_BYTES)
		return;
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	h = &x->headers_in[x->n_headers_in];
	h->name = strndup(data, (size_t)(colon - data));
	h->value = strndup(v, (size_t)(end - v));
	if (!h->name || !h->value) {
		free(h->name);
		free(h->value);
		h->name = h->value = NULL;
		return;
	}
	x->n_headers_in++;
}

/* CURLOPT_HEADERFUNCTION: keeps the last response's headers and its
 * Retry-After. */
static size_t on_header(char *data, size_t size, size_t nitems, void *arg)
{
	static const char name[] = "retry-after:";
	struct kt_transfer *x = arg;
	size_t n = size * nitems, len;
	const char *value = data + sizeof(name) - 1;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		x->retry_after[0] = '\0'; /* a new response (after a 1xx) */
		headers_in_clear(x);
		return n;
	}
	keep_header(x, data, n);
	if (n < sizeof(name) - 1 || strncasecmp(data, name, sizeof(name) - 1) != 0)
		return n;
	len = n - (sizeof(name) - 1);
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n'))
		len--;
	if (len >= sizeof(x->retry_after))
		len = 0; /* no valid value is that long */
	memcpy(x->retry_after, value, len);
	x->retry_after[len] = '\0';
	return n;
}

static int is_tls_error(CURLcode rc)
{
	return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* CURLOPT_OPENSOCKETFUNCTION: the one place a socket for a supplier
 * call is made, so the address checked is the one connected to (after
 * the name was resolved), never the name. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct kt_transfer *x = arg;
	char text[64];

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (!kt_netaddr_allowed(&a->addr, x->allow_addresses)) {
		snprintf(x->refused, sizeof(x->refused), "%s (%s)",
			 kt_netaddr_text(&a->addr, text, sizeof(text)),
			 kt_netaddr_kind_name(kt_netaddr_kind(&a->addr)));
		return CURL_SOCKET_BAD;
	}
	x->connected = 1;
	return socket(a->family, a->socktype, a->protocol);
}

/* The facts of x's finished transfer, which ended with rc. */
static void facts_of(struct kt_transfer *x, CURLcode rc, struct kt_transport_facts *f)
{
	curl_off_t pretransfer = 0;

	memset(f, 0, sizeof(*f));
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &f->http_status);
	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
	f->sent = pretransfer > 0;
	f->why = x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc);
	if (rc != CURLE_OK && x->refused[0] && !x->connected) {
		snprintf(x->curl_err, sizeof(x->curl_err),
			 "address %s is not allowed for this supplier", x->refused);
		f->why = x->curl_err;
		f->end = KT_TX_REFUSED;
		return;
	}
	f->end = rc == CURLE_OK ? KT_TX_DONE :
		 x->overflow ? KT_TX_TOO_LARGE :
		 is_tls_error(rc) ? KT_TX_TLS :
		 rc == CURLE_COULDNT_RESOLVE_HOST ? KT_TX_DNS :
		 rc == CURLE_COULDNT_CONNECT ? KT_TX_CONNECT :
		 rc == CURLE_OPERATION_TIMEDOUT ? KT_TX_TIMEOUT : KT_TX_FAILED;
}

static void check_done(struct kt_transport *t)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(t->multi, &left))) {
		struct kt_transfer *x = NULL;
		struct kt_transport_answer a;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		facts_of(x, m->data.result, &a.facts);
		a.body = x->resp;
		a.body_len = x->resp_len;
		memcpy(a.retry_after, x->retry_after, sizeof(a.retry_after));
		a.headers = x->headers_in;
		a.n_headers = x->n_headers_in;
		x->resp = NULL;
		x->done(x->arg, &a);
		free(a.body);
		transfer_free(x);
	}
}

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct kt_transport *t = arg;
	int running;
	int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) |
		     ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(t->multi, fd, action, &running);
	check_done(t);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kt_transport *t = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(t);
}

/* CURLMOPT_SOCKETFUNCTION: one persistent libevent event per socket. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct kt_transport *t = arg;
	struct event *ev = sockp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ev) {
			event_free(ev);
			curl_multi_assign(t->multi, s, NULL);
		}
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) |
		       ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	if (ev)
		event_free(ev);
	ev = event_new(t->base, s, kind, on_socket_event, t);
	if (!ev)
		return -1;
	event_add(ev, NULL);
	curl_multi_assign(t->multi, s, ev);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one libevent timer for all of curl. */
static int timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct kt_transport *t = arg;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	(void)multi;
	if (timeout_ms < 0)
		evtimer_del(t->timer);
	else
		evtimer_add(t->timer, &tv);
	return 0;
}

void kt_transport_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void kt_transport_global_cleanup(void)
{
	curl_global_cleanup();
}

struct kt_transport *kt_transport_new(struct event_base *base, struct kt_err *err)
{
	struct kt_transport *t = calloc(1, sizeof(*t));

	if (!t || !(t->multi = curl_multi_init()) ||
	    !(t->timer = evtimer_new(base, on_timer, t))) {
		if (t)
			curl_multi_cleanup(t->multi);
		free(t);
		kt_err_set(err, KT_EC_INTERNAL, "internal", "could not start the transport");
		return NULL;
	}
	t->base = base;
	LIST_INIT(&t->transfers);
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
	return t;
}

/* Sets x's easy handle up for call c. */
static int setup(struct kt_transfer *x, const struct kt_transport_call *c, struct kt_err *err)
{
	CURL *e = x->easy;

	for (size_t i = 0; i < c->n_headers; i++) {
		struct curl_slist *l = curl_slist_append(x->headers, c->headers[i]);

		if (!l)
			return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not add a header");
		x->headers = l;
	}
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	/* A call without a body sends none (a GET is a GET, not an empty
	 * POST); one with a body sends it whatever its method. */
	if (strcmp(c->method, "GET") == 0 && !c->body) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
		/* copied: the call's fields are only borrowed until
		 * kt_transport_start returns (transport.h) */
		if (c->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
			if (curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, c->body) != CURLE_OK)
				return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory",
						  "could not copy a request body");
		}
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, c->low_speed_bytes);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->low_speed_time_s);
	x->max_response = c->max_response;
	x->allow_addresses = c->allow_addresses;
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "keten/0.1");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(x->t->multi, e) != CURLM_OK)
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "could not start a transfer");
	return KT_OK;
}

int kt_transport_start(struct kt_transport *t, const struct kt_transport_call *c,
		       kt_transfer_done_fn *done, void *arg, struct kt_transfer **out,
		       struct kt_err *err)
{
	struct kt_transfer *x = calloc(1, sizeof(*x));

	*out = NULL;
	if (!x || !(x->easy = curl_easy_init())) {
		free(x);
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "could not create a transfer");
	}
	x->t = t;
	x->done = done;
	x->arg = arg;
	LIST_INSERT_HEAD(&t->transfers, x, link);
	if (setup(x, c, err) != KT_OK) {
		transfer_free(x);
		return KT_ERR;
	}
	*out = x;
	return KT_OK;
}

void kt_transport_free(struct kt_transport *t)
{
	if (!t)
		return;
	while (!LIST_EMPTY(&t->transfers))
		transfer_free(LIST_FIRST(&t->transfers));
	curl_multi_cleanup(t->multi);
	if (t->timer)
		event_free(t->timer);
	free(t);
}
