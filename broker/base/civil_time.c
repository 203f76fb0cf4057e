/* civil_time.c - the UTC calendar of base/civil_time.h (Howard Hinnant's
 * days-from-civil algorithm and its inverse). */
#include <stdio.h>
#include <string.h>

#include "base/civil_time.h"

long long kt_civil_days(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int kt_civil_days_in_month(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[month] + (month == 1 && leap);
}

int kt_civil_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The offset at s ("Z", "+HH:MM", "-HHMM", ...) in seconds east of UTC,
 * and it is all that is left; or -1. */
static int parse_offset(const char *s, long long *off)
{
	int sign, h, m;
	size_t len;

	if (s[0] == 'Z' && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (s[0] != '+' && s[0] != '-')
		return -1;
	sign = s[0] == '-' ? -1 : 1;
	len = strnlen(s, 7);
	h = kt_civil_digits(s + 1, 2);
	if (len == 6 && s[3] == ':')
		m = kt_civil_digits(s + 4, 2);
	else if (len == 5)
		m = kt_civil_digits(s + 3, 2);
	else
		return -1;
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	*off = sign * (h * 3600LL + m * 60LL);
	return 0;
}

int kt_time_parse(const char *s, long long *epoch_s)
{
	int y, mo, d, h, mi, sec;
	long long off = 0;
	const char *p;

	if (!s || strnlen(s, 19) < 19 || (s[4] != '-' || s[7] != '-') ||
	    (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	y = kt_civil_digits(s, 4);
	mo = kt_civil_digits(s + 5, 2);
	d = kt_civil_digits(s + 8, 2);
	h = kt_civil_digits(s + 11, 2);
	mi = kt_civil_digits(s + 14, 2);
	sec = kt_civil_digits(s + 17, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > kt_civil_days_in_month(mo - 1, y) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (s[10] == ' ' ? *p != '\0' : parse_offset(p, &off) != 0)
		return -1;
	*epoch_s = kt_civil_days(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + sec - off;
	return 0;
}

int kt_civil_date_parse(const char *s, long long *days)
{
	int y, mo, d;

	if (!s || strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = kt_civil_digits(s, 4);
	mo = kt_civil_digits(s + 5, 2);
	d = kt_civil_digits(s + 8, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > kt_civil_days_in_month(mo - 1, y))
		return -1;
	if (days)
		*days = kt_civil_days(y, mo, d);
	return 0;
}

void kt_time_format_utc(long long epoch_s, char out[KT_TIME_UTC_LEN])
{
	long long days = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
	long long secs = epoch_s - days * 86400;
	long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
	long long y = yoe + era * 400 + (m <= 2);

	char buf[96];

	snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02lld:%02lld:%02lldZ", y % 10000, m, d,
		 secs / 3600, secs / 60 % 60, secs % 60);
	snprintf(out, KT_TIME_UTC_LEN, "%.20s", buf);
}
