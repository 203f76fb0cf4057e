/* restore_watch.c - the restore watch of dispatch/restore_watch.h: the
 * state file (one line "<uuid> <epoch> <mark>", replaced atomically and
 * synced, so a crash leaves the old line or the new one) and the check
 * against the keten_instance row. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"
#include "dispatch/restore_watch.h"
#include "store/row_instance.h"

#define STATE_FILE "database-mark"

struct kt_watch {
	pthread_mutex_t lock;
	char *path;          /* state_dir/STATE_FILE; NULL: not remembered */
	char *tmp;           /* path.tmp.<pid> */
	char *node;
	int checked;         /* a check succeeded */
	char seen_id[40];    /* "" until known */
	char seen_mark[24];
	char seen_epoch[24];
	json_t *hold;        /* {"hold", "since", "detail"} of the last check */
};

static char *join(const char *dir, const char *name, long pid)
{
	size_t n = strlen(dir) + strlen(name) + 32;
	char *p = malloc(n);

	if (p && pid)
		snprintf(p, n, "%s/%s.tmp.%ld", dir, name, pid);
	else if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

struct kt_watch *kt_watch_new(const char *state_dir, const char *node, struct kt_err *err)
{
	struct kt_watch *w = calloc(1, sizeof(*w));

	if (!w || !(w->node = strdup(node))) {
		free(w);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	if (!state_dir || !*state_dir)
		return w;
	if (access(state_dir, W_OK | X_OK) != 0) {
		kt_err_set(err, KT_EC_CONFIG, "state_dir", "state_dir \"%s\" is not a writable"
			   " directory: %s", state_dir, strerror(errno));
		kt_watch_free(w);
		return NULL;
	}
	if (!(w->path = join(state_dir, STATE_FILE, 0)) ||
	    !(w->tmp = join(state_dir, STATE_FILE, (long)getpid()))) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		kt_watch_free(w);
		return NULL;
	}
	return w;
}

/* Reads the file once: missing is "nothing remembered"; a line that does
 * not read is refused, for a node must not guess what it saw. */
static int load(struct kt_watch *w, struct kt_err *err)
{
	char id[40], epoch[24], mark[24], extra;
	FILE *f = fopen(w->path, "r");
	int n;

	if (!f)
		return errno == ENOENT ? KT_OK
				       : kt_err_set(err, KT_EC_CONFIG, "state_file",
						    "could not read \"%s\": %s", w->path,
						    strerror(errno));
	n = fscanf(f, "%39s %23[0-9] %23[0-9] %c", id, epoch, mark, &extra);
	fclose(f);
	if (n != 3 || strlen(id) != 36)
		return kt_err_set(err, KT_EC_CONFIG, "state_file",
				  "\"%s\" does not read as \"<uuid> <epoch> <mark>\": remove it"
				  " to start remembering afresh", w->path);
	memcpy(w->seen_id, id, sizeof(id));
	memcpy(w->seen_epoch, epoch, sizeof(epoch));
	memcpy(w->seen_mark, mark, sizeof(mark));
	return KT_OK;
}

static int save(struct kt_watch *w, struct kt_err *err)
{
	char line[128];
	int fd, n = snprintf(line, sizeof(line), "%s %s %s\n", w->seen_id, w->seen_epoch,
			     w->seen_mark);

	fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || rename(w->tmp, w->path) != 0)
		goto fail;
	return KT_OK;
fail:
	kt_err_set(err, KT_EC_INTERNAL, "state_file", "could not write \"%s\": %s", w->path,
		   strerror(errno));
	unlink(w->tmp);
	return KT_ERR;
}

static void remember(struct kt_watch *w, const json_t *r)
{
	snprintf(w->seen_id, sizeof(w->seen_id), "%s", json_string_value(json_object_get(r, "id")));
	snprintf(w->seen_mark, sizeof(w->seen_mark), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(r, "mark")));
	snprintf(w->seen_epoch, sizeof(w->seen_epoch), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(r, "epoch")));
}

static void note_hold(struct kt_watch *w, json_t *r)
{
	const char *hold = json_string_value(json_object_get(r, "hold"));

	json_decref(w->hold);
	w->hold = json_pack("{s:O, s:O, s:O}", "hold", json_object_get(r, "hold"),
			    "since", json_object_get(r, "since"),
			    "detail", json_object_get(r, "detail"));
	kt_metrics_dispatch_held(hold != NULL);
	if (json_is_true(json_object_get(r, "newly")))
		kt_log(KT_LOG_ERROR, json_pack("{s:s, s:O}", "hold", hold,
					       "detail", json_object_get(r, "detail")),
		       "%s: dispatch held for every node until `keten reconcile` ran"
		       " (or `keten dispatch resume --force`)",
		       strcmp(hold, "restore") == 0
			       ? "the database is behind what this node saw: it was restored"
			       : "the database is another one than this node saw");
}

static int check_locked(struct kt_watch *w, struct kt_db *db, struct kt_err *err)
{
	int remembers;
	json_t *r;

	if (!w->path) {
		if (!(r = kt_store_dispatch_hold(db, err)))
			return KT_ERR;
	} else {
		if (!w->checked && load(w, err))
			return KT_ERR;
		remembers = w->seen_id[0] != 0;
		r = kt_store_instance_watch(db, remembers ? w->seen_id : NULL,
					    remembers ? w->seen_mark : NULL,
					    remembers ? w->seen_epoch : NULL, w->node, err);
		if (!r)
			return KT_ERR;
		remember(w, r);
	}
	note_hold(w, r);
	json_decref(r);
	if (w->path && save(w, err))
		return KT_ERR;
	w->checked = 1;
	return KT_OK;
}

int kt_watch_check(struct kt_watch *w, struct kt_db *db, struct kt_err *err)
{
	int rc;

	pthread_mutex_lock(&w->lock);
	rc = check_locked(w, db, err);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int kt_watch_gate(struct kt_watch *w, struct kt_db *db, int *held, struct kt_err *err)
{
	int rc = KT_OK;

	pthread_mutex_lock(&w->lock);
	if (!w->checked)
		rc = check_locked(w, db, err);
	*held = !w->hold || !json_is_null(json_object_get(w->hold, "hold"));
	pthread_mutex_unlock(&w->lock);
	return rc;
}

json_t *kt_watch_held(struct kt_watch *w)
{
	json_t *h;

	pthread_mutex_lock(&w->lock);
	h = w->hold ? json_deep_copy(w->hold) : NULL;
	pthread_mutex_unlock(&w->lock);
	return h;
}

void kt_watch_free(struct kt_watch *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	json_decref(w->hold);
	free(w->path);
	free(w->tmp);
	free(w->node);
	free(w);
}
