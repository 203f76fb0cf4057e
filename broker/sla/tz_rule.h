/* tz_rule.h - the POSIX TZ string that ends a TZif file ("CET-1CEST,
 * M3.5.0,M10.5.0/3"): parsed without the C library's time zone state, and
 * the UTC offset it gives at an instant. Pure; thread-safe. */
#ifndef KETEN_SLA_TZ_RULE_H
#define KETEN_SLA_TZ_RULE_H

#include <stddef.h>

/* When in a year daylight saving time starts or ends. */
struct kt_tz_date {
	char kind;       /* 'J' Julian 1..365 without Feb 29, 'D' 0..365, 'M' */
	int day;         /* J or D: the day; M: day of week 0 (Sunday)..6 */
	int week;        /* M: 1..5 (5 = the last) */
	int month;       /* M: 1..12 */
	long time;       /* seconds after local midnight, -167h..167h */
};

struct kt_tz_rule {
	long std_off;    /* UTC offset in standard time, seconds east */
	long dst_off;    /* UTC offset in daylight saving time */
	int has_dst;     /* 0: std_off all year */
	struct kt_tz_date start, end;
};

/* Parses the TZ string s of len bytes into rule. Returns 0, or -1 when s
 * is not a POSIX TZ string (with the TZif v3 extensions: hours up to 167,
 * negative rule times). A DST name without rules gets the US rules, as
 * tzcode does. */
int kt_tz_rule_parse(const char *s, size_t len, struct kt_tz_rule *rule);

/* The UTC offset (seconds east) rule gives at Unix time t. */
long kt_tz_rule_offset(const struct kt_tz_rule *rule, long long t);

#endif
