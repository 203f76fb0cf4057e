/* webroot.c - the portal's static files in memory (see http/webroot.h):
 * the folder walk at load, the sorted table and its lookup, media types by
 * extension, and the request path check that keeps a path inside it. */
#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/crypto.h"
#include "http/webroot.h"

#define MAX_DEPTH 16

struct kt_webroot {
	struct kt_web_file *files;  /* sorted by name */
	size_t n, cap;
	size_t bytes;
};

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".map", "application/json" },
};

const char *kt_webroot_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum kt_web_path kt_webroot_path(const char *raw, char *out, size_t outsz)
{
	size_t o = 0, seg = 1;

	if (!raw || raw[0] != '/' || outsz < 2)
		return KT_WEB_PATH_BAD;
	for (size_t i = 0; raw[i]; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c == '%') {
			int hi = hexval(raw[i + 1]), lo = hi < 0 ? -1 : hexval(raw[i + 2]);

			if (lo < 0)
				return KT_WEB_PATH_BAD;
			c = (unsigned char)(hi * 16 + lo);
			/* An encoded separator or dot is a way around the
			 * segment checks below: refused, never decoded. */
			if (c == '/' || c == '\\' || c == '.' || c == 0)
				return KT_WEB_PATH_BAD;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return KT_WEB_PATH_BAD;
		if (o + 1 >= outsz || o >= KT_WEBROOT_PATH_MAX)
			return KT_WEB_PATH_BAD;
		out[o++] = (char)c;
		if (c == '/' && o > 1) {
			size_t n = o - 1 - seg;    /* the segment just ended */

			if (n == 0 || (n == 1 && out[seg] == '.') ||
			    (n == 2 && out[seg] == '.' && out[seg + 1] == '.'))
				return KT_WEB_PATH_BAD;
			seg = o;
		}
	}
	out[o] = '\0';
	/* the last segment (no '/' after it) */
	if ((o - seg == 1 && out[seg] == '.') ||
	    (o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
		return KT_WEB_PATH_BAD;
	return KT_WEB_PATH_OK;
}

static int add_file(struct kt_webroot *root, const char *name, const char *path,
		    size_t size, struct kt_err *err)
{
	struct kt_web_file *f;
	char hex[KT_SHA256_HEX_LEN + 1];
	FILE *in;

	if (root->n >= KT_WEBROOT_MAX_FILES || size > KT_WEBROOT_MAX_BYTES - root->bytes)
		return kt_err_set(err, KT_EC_CONFIG, "web_root",
				  "the web root holds more than %d files or %u bytes",
				  KT_WEBROOT_MAX_FILES, KT_WEBROOT_MAX_BYTES);
	if (root->n == root->cap) {
		size_t cap = root->cap ? root->cap * 2 : 64;
		struct kt_web_file *more = realloc(root->files, cap * sizeof(*more));

		if (!more)
			return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		root->files = more;
		root->cap = cap;
	}
	f = &root->files[root->n];
	memset(f, 0, sizeof(*f));
	if (!(f->name = strdup(name)) || !(f->body = malloc(size ? size : 1))) {
		free(f->name);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	in = fopen(path, "rb");
	if (!in || fread(f->body, 1, size, in) != size) {
		int e = errno;

		if (in)
			fclose(in);
		free(f->name);
		free(f->body);
		return kt_err_set(err, KT_EC_CONFIG, "web_root", "could not read \"%s\": %s",
				  path, strerror(e));
	}
	fclose(in);
	f->len = size;
	f->type = kt_webroot_type(name);
	kt_crypto_sha256_hex(f->body, size, hex);
	snprintf(f->etag, sizeof(f->etag), "\"%.32s\"", hex);
	root->bytes += size;
	root->n++;
	return KT_OK;
}

/* Adds the files under dir (on disk) named prefix + "/" + entry. */
static int walk(struct kt_webroot *root, const char *dir, const char *prefix, int depth,
		struct kt_err *err)
{
	DIR *d;
	struct dirent *e;
	int rc = KT_OK;

	if (depth > MAX_DEPTH)
		return kt_err_set(err, KT_EC_CONFIG, "web_root",
				  "the web root is nested deeper than %d folders at \"%s\"",
				  MAX_DEPTH, dir);
	if (!(d = opendir(dir)))
		return kt_err_set(err, KT_EC_CONFIG, "web_root", "could not read folder \"%s\": %s",
				  dir, strerror(errno));
	while (rc == KT_OK && (e = readdir(d))) {
		char path[4096], name[KT_WEBROOT_PATH_MAX + 1];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
		    (size_t)snprintf(name, sizeof(name), "%s/%s", prefix, e->d_name) >= sizeof(name)) {
			rc = kt_err_set(err, KT_EC_CONFIG, "web_root", "a name under \"%s\" is too long", dir);
			break;
		}
		if (stat(path, &st) != 0) {
			rc = kt_err_set(err, KT_EC_CONFIG, "web_root", "could not read \"%s\": %s",
					path, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode))
			rc = walk(root, path, name, depth + 1, err);
		else if (S_ISREG(st.st_mode))
			rc = add_file(root, name, path, (size_t)st.st_size, err);
	}
	closedir(d);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kt_web_file *)a)->name, ((const struct kt_web_file *)b)->name);
}

struct kt_webroot *kt_webroot_load(const char *dir, struct kt_err *err)
{
	struct kt_webroot *root = calloc(1, sizeof(*root));

	if (!root) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	if (walk(root, dir, "", 0, err) != KT_OK) {
		kt_webroot_free(root);
		return NULL;
	}
	if (root->n)
		qsort(root->files, root->n, sizeof(*root->files), by_name);
	return root;
}

const struct kt_web_file *kt_webroot_find(const struct kt_webroot *root, const char *name)
{
	struct kt_web_file key = { .name = (char *)name };

	if (!root || !root->n)
		return NULL;
	return bsearch(&key, root->files, root->n, sizeof(*root->files), by_name);
}

size_t kt_webroot_count(const struct kt_webroot *root)
{
	return root ? root->n : 0;
}

size_t kt_webroot_bytes(const struct kt_webroot *root)
{
	return root ? root->bytes : 0;
}

void kt_webroot_free(struct kt_webroot *root)
{
	if (!root)
		return;
	for (size_t i = 0; i < root->n; i++) {
		free(root->files[i].name);
		free(root->files[i].body);
	}
	free(root->files);
	free(root);
}
