/* tz_rule.c - the POSIX TZ string of a TZif footer (see sla/tz_rule.h):
 * names, offsets and the Mm.w.d / Jn / n rules of daylight saving time,
 * evaluated per year in proleptic Gregorian arithmetic. */
#include <string.h>

#include "base/civil_time.h"
#include "sla/tz_rule.h"

struct cursor {
	const char *s;
	const char *end;
};

static int peek(const struct cursor *c)
{
	return c->s < c->end ? (unsigned char)*c->s : -1;
}

static int is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* A zone abbreviation: three or more letters, or <...> with letters,
 * digits, + and -. */
static int parse_name(struct cursor *c)
{
	const char *start = c->s;

	if (peek(c) == '<') {
		c->s++;
		while (peek(c) != -1 && peek(c) != '>') {
			int ch = peek(c);

			if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-')
				return -1;
			c->s++;
		}
		if (peek(c) != '>' || c->s - start < 4)
			return -1;
		c->s++;
		return 0;
	}
	while (is_alpha(peek(c)))
		c->s++;
	return c->s - start >= 3 ? 0 : -1;
}

static int parse_num(struct cursor *c, long max, long *out)
{
	long v = 0;
	int n = 0;

	while (is_digit(peek(c)) && n < 4) {
		v = v * 10 + (*c->s++ - '0');
		n++;
	}
	if (n == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] into seconds; hours up to max_h. */
static int parse_hms(struct cursor *c, long max_h, long *out)
{
	long sign = 1, h, m = 0, s = 0;

	if (peek(c) == '+' || peek(c) == '-')
		sign = *c->s++ == '-' ? -1 : 1;
	if (parse_num(c, max_h, &h))
		return -1;
	if (peek(c) == ':') {
		c->s++;
		if (parse_num(c, 59, &m))
			return -1;
		if (peek(c) == ':') {
			c->s++;
			if (parse_num(c, 59, &s))
				return -1;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return 0;
}

static int parse_date(struct cursor *c, struct kt_tz_date *d)
{
	long a, b, e;

	if (peek(c) == 'M') {
		c->s++;
		if (parse_num(c, 12, &a) || a < 1 || peek(c) != '.')
			return -1;
		c->s++;
		if (parse_num(c, 5, &b) || b < 1 || peek(c) != '.')
			return -1;
		c->s++;
		if (parse_num(c, 6, &e))
			return -1;
		d->kind = 'M';
		d->month = (int)a;
		d->week = (int)b;
		d->day = (int)e;
	} else if (peek(c) == 'J') {
		c->s++;
		if (parse_num(c, 365, &a) || a < 1)
			return -1;
		d->kind = 'J';
		d->day = (int)a;
	} else {
		if (parse_num(c, 365, &a))
			return -1;
		d->kind = 'D';
		d->day = (int)a;
	}
	d->time = 7200;
	if (peek(c) == '/') {
		c->s++;
		if (parse_hms(c, 167, &d->time))
			return -1;
	}
	return 0;
}

int kt_tz_rule_parse(const char *s, size_t len, struct kt_tz_rule *rule)
{
	struct cursor c = { s, s + len };
	long off;

	memset(rule, 0, sizeof(*rule));
	if (!s || parse_name(&c) || parse_hms(&c, 24, &off))
		return -1;
	rule->std_off = -off;
	if (peek(&c) == -1)
		return 0;
	if (parse_name(&c))
		return -1;
	rule->has_dst = 1;
	rule->dst_off = rule->std_off + 3600;
	if (peek(&c) != ',' && peek(&c) != -1) {
		if (parse_hms(&c, 24, &off))
			return -1;
		rule->dst_off = -off;
	}
	if (peek(&c) == -1) {
		rule->start = (struct kt_tz_date){ 'M', 0, 2, 3, 7200 };
		rule->end = (struct kt_tz_date){ 'M', 0, 1, 11, 7200 };
		return 0;
	}
	if (peek(&c) != ',')
		return -1;
	c.s++;
	if (parse_date(&c, &rule->start) || peek(&c) != ',')
		return -1;
	c.s++;
	if (parse_date(&c, &rule->end) || peek(&c) != -1)
		return -1;
	return 0;
}

static int is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of the date d in year y. */
static long long date_days(const struct kt_tz_date *d, long long y)
{
	long long first, day;
	int wd, mlen;

	switch (d->kind) {
	case 'J':
		return kt_civil_days(y, 1, 1) + d->day - 1 +
		       (is_leap(y) && d->day >= 60);
	case 'D':
		return kt_civil_days(y, 1, 1) + d->day;
	default:
		first = kt_civil_days(y, d->month, 1);
		wd = (int)(((first + 4) % 7 + 7) % 7);   /* 1970-01-01: Thursday */
		day = (d->day - wd + 7) % 7 + (long long)(d->week - 1) * 7;
		mlen = kt_civil_days_in_month(d->month - 1, (int)y);
		while (day >= mlen)
			day -= 7;
		return first + day;
	}
}

static long long year_of(long long t)
{
	long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	long long y = 1970 + days / 366;

	while (kt_civil_days(y + 1, 1, 1) <= days)
		y++;
	while (kt_civil_days(y, 1, 1) > days)
		y--;
	return y;
}

long kt_tz_rule_offset(const struct kt_tz_rule *rule, long long t)
{
	long long y, start, end;
	int in_dst;

	if (!rule->has_dst)
		return rule->std_off;
	y = year_of(t + rule->std_off);
	/* the start is written in standard time, the end in DST */
	start = date_days(&rule->start, y) * 86400 + rule->start.time - rule->std_off;
	end = date_days(&rule->end, y) * 86400 + rule->end.time - rule->dst_off;
	if (start < end)
		in_dst = t >= start && t < end;
	else
		in_dst = !(t >= end && t < start);
	return in_dst ? rule->dst_off : rule->std_off;
}
