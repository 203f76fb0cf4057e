/* tzif.h - a time zone read from the system's tz database: the TZif file
 * format (RFC 8536, version 2 and later: the 64-bit section and the footer
 * TZ string for instants past the table), parsed from bytes by a small
 * fuzzable parser, and the UTC offset at any instant. No TZ variable, no
 * localtime: thread-safe. */
#ifndef KETEN_SLA_TZIF_H
#define KETEN_SLA_TZIF_H

#include <stddef.h>
#include <stdint.h>

#include "keten/err.h"
#include "sla/tz_rule.h"

#define KT_TZIF_MAX_BYTES (256 * 1024)  /* a zone file larger is refused */
#define KT_TZ_NAME_MAX 64                /* bytes of a zone name */

struct kt_tz {
	char name[KT_TZ_NAME_MAX + 1];
	int64_t *at;          /* owned: transition times, ascending */
	uint8_t *idx;         /* owned: the type in force from at[i] */
	size_t n_at;
	int32_t *type_off;    /* owned: each type's UTC offset, seconds east */
	size_t n_types;
	int has_rule;         /* the footer's rule, for instants past the table */
	struct kt_tz_rule rule;
};

/* Parses a TZif file of len bytes into tz (which it fills; release with
 * kt_tz_release). Refuses version 1 files (no 64-bit data), truncated or
 * inconsistent counts, type indexes out of range, unordered transitions
 * and a footer that is not a POSIX TZ string, with a KT_EC_INVALID
 * "bad_time_zone" error. Returns KT_OK or KT_ERR (tz then holds nothing). */
int kt_tzif_parse(const unsigned char *buf, size_t len, struct kt_tz *tz,
		  struct kt_err *err);

/* Loads the zone named name (e.g. "Europe/Amsterdam", or "UTC") from dir
 * (NULL: $TZDIR, else /usr/share/zoneinfo). The name is checked for shape
 * (letters, digits, _ + - and single slashes; no "..") before any file is
 * opened. Fails with KT_EC_INVALID "unknown_time_zone" when there is no
 * such zone, "bad_time_zone" when its file does not parse. */
int kt_tz_load(const char *dir, const char *name, struct kt_tz *tz,
	       struct kt_err *err);

/* The UTC zone (no file needed). */
void kt_tz_init_utc(struct kt_tz *tz);

/* Frees tz's arrays; tz may then be filled again. */
void kt_tz_release(struct kt_tz *tz);

/* The UTC offset, seconds east, in force at Unix time t. */
long kt_tz_offset(const struct kt_tz *tz, long long t);

/* The Unix time of the wall-clock time local (seconds since 1970-01-01
 * 00:00 as if that were local time), by RFC 5545's rule: an ambiguous
 * time (clocks set back) is its first occurrence; a time that does not
 * exist (clocks set forward) is read with the offset before the change,
 * so 02:30 on the spring switch in Amsterdam is 03:30 summer time. */
long long kt_tz_utc_of_local(const struct kt_tz *tz, long long local);

#endif
