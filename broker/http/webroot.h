/* webroot.h - the portal's static files held in memory: a folder read once
 * (at start and on SIGHUP) into a sorted table with each file's media type
 * and ETag, and the check that turns a request path into a name of that
 * table. No libevent: the loop only looks up and copies bytes. */
#ifndef KETEN_WEBROOT_H
#define KETEN_WEBROOT_H

#include <stddef.h>

#include "keten/err.h"

#define KT_WEBROOT_MAX_FILES 4096
#define KT_WEBROOT_MAX_BYTES (64u * 1024u * 1024u) /* all files together */
#define KT_WEBROOT_PATH_MAX 512                    /* a file's name in the table */

struct kt_web_file {
	char *name;                 /* "/js/api.js": from the folder, '/' first */
	unsigned char *body;
	size_t len;
	const char *type;           /* static media type, from the extension */
	char etag[36];              /* "\"<32 hex of SHA-256>\"" */
};

struct kt_webroot;

/* Reads every regular file under dir (dot files and folders skipped,
 * symbolic links followed, at most 16 levels) into memory. Returns the
 * table (caller owns; kt_webroot_free), or NULL with err config
 * "web_root" when dir cannot be read or holds more than
 * KT_WEBROOT_MAX_FILES files or KT_WEBROOT_MAX_BYTES bytes. */
struct kt_webroot *kt_webroot_load(const char *dir, struct kt_err *err);

/* The file called name ("/index.html"), or NULL. Borrowed from root. */
const struct kt_web_file *kt_webroot_find(const struct kt_webroot *root, const char *name);

/* How many files root holds and their bytes, for logs. */
size_t kt_webroot_count(const struct kt_webroot *root);
size_t kt_webroot_bytes(const struct kt_webroot *root);

void kt_webroot_free(struct kt_webroot *root);

/* The media type served for a file name, by its extension
 * ("text/html; charset=utf-8"; unknown: "application/octet-stream"). */
const char *kt_webroot_type(const char *name);

enum kt_web_path {
	KT_WEB_PATH_OK,             /* out holds the decoded path */
	KT_WEB_PATH_BAD,            /* refused: 400 */
};

/* Checks a request's raw path (as sent, still %-encoded, without the
 * query) and writes its decoded form to out (outsz bytes). Refused: no
 * leading '/', longer than KT_WEBROOT_PATH_MAX, a bad %-escape, an encoded
 * '/', '\\', '.' or NUL, any control byte or '\\', an empty, "." or ".."
 * segment. */
enum kt_web_path kt_webroot_path(const char *raw, char *out, size_t outsz);

#endif
