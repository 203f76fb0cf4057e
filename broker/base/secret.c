/* secret.c - reads secrets named by reference from KETEN_SECRET_*
 * variables or from regular files directly in the one configured
 * secrets directory, at the moment they are needed. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/secret.h"

#define SECRET_MAX 4096

/* The secrets directory without trailing slashes; NULL: none. Set once
 * before threads start, read-only after. */
static char *secrets_dir;

int kt_secret_set_dir(const char *dir)
{
	size_t len = dir ? strlen(dir) : 0;

	free(secrets_dir);
	secrets_dir = NULL;
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0)
		return KT_OK;
	secrets_dir = strndup(dir, len);
	return secrets_dir ? KT_OK : KT_ERR;
}

static int trimmed_copy(const char *s, size_t len, char **out)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return KT_ERR;
	*out = malloc(len + 1);
	if (!*out)
		return KT_ERR;
	memcpy(*out, s, len);
	(*out)[len] = '\0';
	return KT_OK;
}

static int unavailable(struct kt_err *err, const char *ref, const char *why)
{
	return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
			  "could not read secret \"%s\": %s", ref, why);
}

static int from_env(const char *ref, char **out, struct kt_err *err)
{
	const char *name = ref + 4, *v;

	if (strncmp(name, KT_SECRET_ENV_PREFIX, strlen(KT_SECRET_ENV_PREFIX)) != 0)
		return unavailable(err, ref, "only KETEN_SECRET_* variables may hold secrets");
	v = getenv(name);
	if (!v || trimmed_copy(v, strlen(v), out) != KT_OK)
		return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
				  "secret \"%s\" is not set", ref);
	return KT_OK;
}

/* The file name of path when path is directly in the secrets directory,
 * else NULL. */
static const char *name_in_dir(const char *path)
{
	size_t dlen = secrets_dir ? strlen(secrets_dir) : 0;
	const char *name;

	if (!secrets_dir)
		return NULL;
	if (strcmp(secrets_dir, "/") == 0)
		name = path + 1;
	else if (strncmp(path, secrets_dir, dlen) == 0 && path[dlen] == '/')
		name = path + dlen + 1;
	else
		return NULL;
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return NULL;
	return name;
}

/* Reads the regular file name in the secrets directory: opened relative
 * to the directory without following a symlink, so nothing outside it
 * is ever read. */
static int from_file(const char *ref, char **out, struct kt_err *err)
{
	const char *name = name_in_dir(ref + 5);
	char buf[SECRET_MAX];
	struct stat st;
	ssize_t n = 0, got;
	int dfd, fd, rc;

	if (!secrets_dir)
		return unavailable(err, ref, "no secrets_dir is configured for file: references");
	if (!name)
		return unavailable(err, ref, "a file: reference must name a file directly "
				   "in the secrets_dir");
	dfd = open(secrets_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return unavailable(err, ref, strerror(errno));
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	rc = errno;
	close(dfd);
	if (fd < 0)
		return unavailable(err, ref, rc == ELOOP ? "it is a symlink" : strerror(rc));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return unavailable(err, ref, "it is not a regular file");
	}
	while (n < (ssize_t)sizeof(buf) &&
	       (got = read(fd, buf + n, sizeof(buf) - (size_t)n)) > 0)
		n += got;
	close(fd);
	rc = n < (ssize_t)sizeof(buf) ? trimmed_copy(buf, (size_t)n, out) : KT_ERR;
	kt_crypto_wipe(buf, sizeof(buf));
	if (rc != KT_OK)
		return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
				  "secret file \"%s\" is empty or too large", ref);
	return KT_OK;
}

int kt_secret_resolve(const char *ref, char **out, struct kt_err *err)
{
	*out = NULL;
	if (ref && strncmp(ref, "env:", 4) == 0)
		return from_env(ref, out, err);
	if (ref && strncmp(ref, "file:", 5) == 0)
		return from_file(ref, out, err);
	return kt_err_set(err, KT_EC_CONFIG, "secret_unavailable",
			  "secret reference \"%s\" must start with env: or file:", ref ? ref : "");
}

void kt_secret_free(char *secret)
{
	if (!secret)
		return;
	kt_crypto_wipe(secret, strlen(secret));
	free(secret);
}
