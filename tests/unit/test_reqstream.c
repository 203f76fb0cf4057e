/* test_reqstream.c - unit tests of broker/http/reqstream.c: where heads end
 * in a pipelined stream fed whole or a byte at a time, bare LF line ends,
 * Content-Length and chunked bodies (sizes, extensions evhttp refuses,
 * trailers), bounds on heads and size lines, and the head's reading as
 * evhttp 2.1.12 reads it (first header wins, strtoll's leniency,
 * continuation lines, methods without a body). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/reqstream.h"

/* Feeds stream (step bytes at a time, 0: whole), parses each head and
 * begins its body; writes the heads' methods and paths joined by " | "
 * and returns the number of heads, or -1 on KT_RS_BAD. */
static int frame(const char *stream, size_t step, char *out, size_t outsz)
{
	struct kt_reqstream s;
	size_t len = strlen(stream), pos = 0;
	int heads = 0;

	memset(&s, 0, sizeof(s));
	out[0] = '\0';
	while (pos < len) {
		size_t n = step && len - pos > step ? step : len - pos;
		enum kt_rs_event ev;
		size_t took = kt_reqstream_take(&s, stream + pos, n, &ev);

		pos += took;
		if (ev == KT_RS_BAD)
			return -1;
		if (ev == KT_RS_HEAD_DONE) {
			struct kt_reqhead h;

			assert_int_equal(kt_reqhead_parse(stream + pos - s.head_len, s.head_len, &h), 0);
			if (heads++)
				strncat(out, " | ", outsz - strlen(out) - 1);
			strncat(out, h.method, outsz - strlen(out) - 1);
			strncat(out, " ", outsz - strlen(out) - 1);
			strncat(out, h.path, outsz - strlen(out) - 1);
			kt_reqstream_begin_body(&s, &h);
		}
	}
	return heads;
}

static void both_ways(const char *stream, int want_heads, const char *want)
{
	char whole[512], bytes[512];

	assert_int_equal(frame(stream, 0, whole, sizeof(whole)), want_heads);
	assert_int_equal(frame(stream, 1, bytes, sizeof(bytes)), want_heads);
	assert_string_equal(whole, want);
	assert_string_equal(bytes, want);
}

static void test_pipelined(void **state)
{
	(void)state;
	both_ways("GET /v1/tickets?limit=2 HTTP/1.1\r\nHost: x\r\n\r\n"
		  "POST /v1/tickets HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /"
		  "PUT /v1/customers/a HTTP/1.1\r\ncontent-length:3\r\n\r\n\r\n\r"
		  "HEAD /healthz HTTP/1.0\r\nContent-Length: 9\r\n\r\n",
		  4, "GET /v1/tickets | POST /v1/tickets | PUT /v1/customers/a | HEAD /healthz");
	/* Bare LF ends lines too (EVBUFFER_EOL_CRLF). */
	both_ways("POST /a HTTP/1.1\nContent-Length: 2\n\nxyGET /b HTTP/1.1\n\n",
		  2, "POST /a | GET /b");
}

static void test_chunked(void **state)
{
	(void)state;
	both_ways("POST /v1/tickets HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5\r\nhello\r\n1a \r\nabcdefghijklmnopqrstuvwxyz\r\n\r\n0x3\r\nabc\r\n"
		  "0\r\nX-Trailer: 1\r\n\r\n"
		  "GET /next HTTP/1.1\r\n\r\n",
		  2, "POST /v1/tickets | GET /next");
	/* A chunk extension: evhttp cannot read the size, nor can we. */
	{
		char out[64];

		assert_int_equal(frame("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				       "5;ext=1\r\nhello\r\n", 0, out, sizeof(out)), -1);
		assert_int_equal(frame("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				       "-5\r\n", 0, out, sizeof(out)), -1);
	}
}

static void test_bounds(void **state)
{
	struct kt_reqstream s;
	enum kt_rs_event ev;
	char *big = malloc(KT_RS_HEAD_MAX + 64);
	size_t took;

	(void)state;
	memset(big, 'a', KT_RS_HEAD_MAX + 64);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	memset(&s, 0, sizeof(s));
	took = kt_reqstream_take(&s, big, KT_RS_HEAD_MAX + 64, &ev);
	assert_int_equal(ev, KT_RS_BAD);
	assert_int_equal(took, KT_RS_HEAD_MAX + 1);
	/* A size line of spaces evhttp would wait on forever. */
	memset(&s, 0, sizeof(s));
	s.state = KT_RS_CHUNK_SIZE;
	memset(big, ' ', KT_RS_LINE_MAX + 8);
	big[0] = '5';
	kt_reqstream_take(&s, big, KT_RS_LINE_MAX + 8, &ev);
	assert_int_equal(ev, KT_RS_BAD);
	free(big);
}

static int parse(const char *head, struct kt_reqhead *h)
{
	return kt_reqhead_parse(head, strlen(head), h);
}

static void test_head_reading(void **state)
{
	struct kt_reqhead h;

	(void)state;
	assert_int_equal(parse("POST /v1/tickets HTTP/1.1\r\nContent-Length: 10\r\n"
			       "Content-Length: 99999999\r\nAuthorization: Bearer kt_abc\r\n\r\n", &h), 0);
	assert_int_equal(h.content_length, 10);
	assert_true(h.has_body);
	assert_false(h.chunked);
	assert_string_equal(h.authorization, "Bearer kt_abc");
	assert_string_equal(h.method, "POST");
	/* strtoll's leniency, as evhttp's. */
	assert_int_equal(parse("POST /a HTTP/1.1\r\nContent-Length: +1048576\r\n\r\n", &h), 0);
	assert_int_equal(h.content_length, 1048576);
	assert_int_equal(parse("POST /a HTTP/1.1\r\nContent-Length: \t77\r\n\r\n", &h), 0);
	assert_int_equal(h.content_length, 77);
	/* What evhttp refuses (it reads no body then). */
	assert_int_equal(parse("POST /a HTTP/1.1\r\nContent-Length: 5x\r\n\r\n", &h), -1);
	assert_int_equal(parse("POST /a HTTP/1.1\r\nContent-Length:\r\n\r\n", &h), -1);
	assert_int_equal(parse("POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &h), -1);
	assert_int_equal(parse("POST /a HTTP/1.1\r\nContent-Length: 1\r\n 2\r\n\r\n", &h), -1);
	assert_int_equal(parse("POST /a HTTP/1.1\r\nno colon\r\n\r\n", &h), -1);
	assert_int_equal(parse("POST /a HTTP/2.0\r\n\r\n", &h), -1);
	assert_int_equal(parse("\r\n", &h), -1);
	assert_false(h.has_body);
	/* A continuation of another header leaves Content-Length alone. */
	assert_int_equal(parse("POST /a HTTP/1.1\r\nContent-Length: 3\r\nX-A: 1\r\n 2\r\n\r\n", &h), 0);
	assert_int_equal(h.content_length, 3);
	/* chunked, any case, first Transfer-Encoding only. */
	assert_int_equal(parse("PATCH /a HTTP/1.1\r\nTransfer-Encoding: ChUnKeD \r\n"
			       "Content-Length: 4\r\n\r\n", &h), 0);
	assert_true(h.chunked);
	assert_int_equal(parse("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n"
			       "Content-Length: 4\r\n\r\n", &h), 0);
	assert_false(h.chunked);
	assert_int_equal(h.content_length, 4);
	/* Methods without a body; GET and DELETE have one in evhttp 2.1. */
	assert_int_equal(parse("HEAD /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n", &h), 0);
	assert_false(h.has_body);
	assert_int_equal(parse("BREW /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n", &h), 0);
	assert_false(h.has_body);
	assert_int_equal(parse("GET /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n", &h), 0);
	assert_true(h.has_body);
	assert_int_equal(parse("DELETE /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &h), 0);
	assert_false(h.has_body);
	/* Paths: the query cut off; an absolute form has none for the router. */
	assert_int_equal(parse("POST /v1/inbound/netco?x=1 HTTP/1.1\r\n\r\n", &h), 0);
	assert_string_equal(h.path, "/v1/inbound/netco");
	assert_int_equal(parse("POST http://h/v1/tickets HTTP/1.1\r\n\r\n", &h), 0);
	assert_string_equal(h.path, "");
	/* Trailing spaces of the request line are evhttp's to drop. */
	assert_int_equal(parse("POST /b HTTP/1.1   \r\n\r\n", &h), 0);
	assert_string_equal(h.path, "/b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_head_reading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
