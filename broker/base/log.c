/* log.c - one JSON object per line on stderr, written with one write(2) so
 * lines from several threads never interleave. */
#include <stdarg.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/utf8.h"

/* Set on the loop (at start, on SIGHUP), read by every thread. */
static _Atomic int min_level = KT_LOG_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error" };

void kt_log_set_level(enum kt_log_level level)
{
	min_level = level;
}

int kt_log_level_parse(const char *name, enum kt_log_level *level)
{
	for (size_t i = 0; name && i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0) {
			if (level)
				*level = (enum kt_log_level)i;
			return 0;
		}
	return -1;
}

void kt_log(enum kt_log_level level, json_t *fields, const char *fmt, ...)
{
	char msg[1024], ts[KT_CLOCK_ISO_LEN + 1];
	va_list ap;
	json_t *line;
	char *text;
	size_t len;
	ssize_t written;

	if ((int)level < min_level) {
		json_decref(fields);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kt_utf8_trim(msg);
	kt_clock_wall_iso(ts);
	line = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level],
			 "msg", msg);
	if (fields) {
		json_object_update_missing(line, fields);
		json_decref(fields);
	}
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(line);
	if (!text)
		return;
	len = strlen(text);
	text[len] = '\n'; /* over the NUL: one write(2) carries the whole line */
	written = write(STDERR_FILENO, text, len + 1);
	(void)written; /* nowhere left to report a failing stderr */
	free(text);
}
