/* reqstream.h - pure: the framing of an HTTP/1.x request stream as
 * libevent 2.1's evhttp reads it (line ends, where a request's head ends,
 * how long its body is: Content-Length or chunked, trailers), so that the
 * body gate (http/body_gate.h) sees each head whole before evhttp reads a
 * byte of its body. Where evhttp would refuse the stream, so does this. */
#ifndef KETEN_HTTP_REQSTREAM_H
#define KETEN_HTTP_REQSTREAM_H

#include <stddef.h>

/* A head's raw bytes at most (evhttp's own limit is 64 KiB of line
 * content; line ends come on top). */
#define KT_RS_HEAD_MAX (65536 + 8192)
#define KT_RS_LINE_MAX 1024
#define KT_RS_PATH_MAX 1024
#define KT_RS_AUTH_MAX 256
#define KT_RS_COOKIE_MAX 1024

enum kt_rs_state {
	KT_RS_HEAD,        /* request line and headers */
	KT_RS_BODY,        /* Content-Length bytes left */
	KT_RS_CHUNK_SIZE,  /* a chunk-size line */
	KT_RS_CHUNK_DATA,  /* chunk bytes left */
	KT_RS_TRAILER      /* trailer lines up to the empty one */
};

enum kt_rs_event {
	KT_RS_MORE,        /* every byte taken: give more */
	KT_RS_HEAD_DONE,   /* stopped just after a whole head */
	KT_RS_BAD          /* the stream cannot be framed (evhttp refuses it) */
};

/* The stream's position; zero it to start. */
struct kt_reqstream {
	enum kt_rs_state state;
	long long left;           /* BODY, CHUNK_DATA */
	size_t head_len;          /* HEAD: bytes of the head so far */
	size_t line_len;          /* raw bytes of the current line so far */
	int lines;                /* HEAD: lines ended so far */
	unsigned char last;       /* the byte before, in the current line */
	char line[KT_RS_LINE_MAX];/* CHUNK_SIZE: the line's bytes */
};

/* What the body gate needs of a head. */
struct kt_reqhead {
	char method[16];
	char path[KT_RS_PATH_MAX];    /* without query; "" when too long or absolute */
	long long content_length;     /* -1: none */
	int chunked;                  /* Transfer-Encoding: chunked */
	int has_body;                 /* evhttp will read a body */
	char authorization[KT_RS_AUTH_MAX]; /* "" when absent or too long */
	char cookie[KT_RS_COOKIE_MAX];      /* the first Cookie header, the same */
};

/* Takes up to n bytes of data, the stream's next ones: in a head they are
 * counted (the caller keeps them), in a body they are passed. Returns the
 * number taken and *ev: KT_RS_HEAD_DONE stops right after the head's last
 * line end (s->head_len is the head's size; call kt_reqstream_begin_body
 * next); KT_RS_BAD when a head or a chunk-size line is longer than allowed
 * or a chunk size cannot be read. */
size_t kt_reqstream_take(struct kt_reqstream *s, const char *data, size_t n,
			 enum kt_rs_event *ev);

/* Reads the head of len bytes into out as evhttp will: the first
 * Content-Length and Transfer-Encoding, continuation lines appended.
 * Returns 0, or -1 when evhttp will refuse the head (then it reads no
 * body). */
int kt_reqhead_parse(const char *head, size_t len, struct kt_reqhead *out);

/* After KT_RS_HEAD_DONE: the stream goes on with h's body (none when h is
 * NULL or has no body), then the next head. */
void kt_reqstream_begin_body(struct kt_reqstream *s, const struct kt_reqhead *h);

#endif
