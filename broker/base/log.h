/* log.h - JSON log lines on stderr: {"ts", "level", "msg", ...fields}.
 * Safe from any thread. Never pass a secret to these functions. */
#ifndef KETEN_LOG_H
#define KETEN_LOG_H

#include <jansson.h>

enum kt_log_level { KT_LOG_DEBUG, KT_LOG_INFO, KT_LOG_WARN, KT_LOG_ERROR };

/* Logs msg with the fields of the object `fields` (stolen; may be NULL). */
void kt_log(enum kt_log_level level, json_t *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Lines below this level are dropped (default info; KETEN_LOG_LEVEL=debug). */
void kt_log_set_level(enum kt_log_level level);

/* Reads "debug", "info", "warn" or "error" into *level (may be NULL: only
 * checks). 0, or -1 for anything else. */
int kt_log_level_parse(const char *name, enum kt_log_level *level);

#endif
