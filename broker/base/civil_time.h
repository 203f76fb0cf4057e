/* civil_time.h - UTC calendar arithmetic without the C library's time
 * zone state (no TZ, no locale, thread-safe): days from a civil date,
 * month lengths, and the date-time forms suppliers write: RFC 3339 /
 * ISO 8601 with an offset, and "YYYY-MM-DD HH:MM:SS" in UTC (ServiceNow,
 * Request Tracker). */
#ifndef KETEN_BASE_CIVIL_TIME_H
#define KETEN_BASE_CIVIL_TIME_H

#include <stddef.h>

/* Room for "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define KT_TIME_UTC_LEN 21

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
long long kt_civil_days(long long y, int m, int d);

/* Days of month (0..11) in year. */
int kt_civil_days_in_month(int month, int year);

/* The value of n decimal digits at s, or -1 when they are not all digits. */
int kt_civil_digits(const char *s, int n);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM|-HHMM)" or
 * "YYYY-MM-DD HH:MM:SS" (read as UTC) into Unix seconds (the fraction
 * dropped). 0 on success, -1 for anything else (an impossible date
 * included). */
int kt_time_parse(const char *s, long long *epoch_s);

/* Parses exactly "YYYY-MM-DD" (a real date) into days since 1970-01-01
 * (days may be NULL). 0 on success, -1 otherwise. */
int kt_civil_date_parse(const char *s, long long *days);

/* Writes epoch_s as "YYYY-MM-DDTHH:MM:SSZ" into out. */
void kt_time_format_utc(long long epoch_s, char out[KT_TIME_UTC_LEN]);

#endif
