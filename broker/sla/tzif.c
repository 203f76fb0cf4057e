/* tzif.c - TZif files (RFC 8536) into a struct kt_tz (see sla/tzif.h):
 * only the 64-bit section of a version 2+ file is read; the footer's TZ
 * string (sla/tz_rule.c) answers for instants after the last transition. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sla/tzif.h"

#define HEADER_LEN 44
#define SPAN_LIMIT (1LL << 40)   /* instants clamped to about +-34,000 years */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

/* Reads the header at p (HEADER_LEN bytes present); returns the size of
 * the data block it announces with time_size-byte times, or 0 when the
 * header is not TZif. */
static size_t header(const unsigned char *p, size_t time_size, struct counts *n,
		     char *version)
{
	if (memcmp(p, "TZif", 4) != 0)
		return 0;
	*version = (char)p[4];
	n->isut = be32(p + 20);
	n->isstd = be32(p + 24);
	n->leap = be32(p + 28);
	n->time = be32(p + 32);
	n->type = be32(p + 36);
	n->chars = be32(p + 40);
	if (n->type == 0 || n->type > 256 || n->time > 100000 || n->leap > 10000 ||
	    n->chars > 100000 || (n->isut && n->isut != n->type) ||
	    (n->isstd && n->isstd != n->type))
		return 0;
	return n->time * time_size + n->time + n->type * 6 + n->chars +
	       n->leap * (time_size + 4) + n->isstd + n->isut;
}

static int bad(struct kt_err *err, struct kt_tz *tz, const char *why)
{
	kt_tz_release(tz);
	return kt_err_set(err, KT_EC_INVALID, "bad_time_zone",
			  "could not read time zone file: %s", why);
}

int kt_tzif_parse(const unsigned char *buf, size_t len, struct kt_tz *tz,
		  struct kt_err *err)
{
	struct counts n;
	const unsigned char *p, *foot, *nl;
	size_t v1, v2, i;
	char version;

	memset(tz, 0, sizeof(*tz));
	if (len < HEADER_LEN || !(v1 = header(buf, 4, &n, &version)) ||
	    len - HEADER_LEN < v1)
		return bad(err, tz, "not a TZif file");
	if (version < '2')
		return bad(err, tz, "version 1 files are not supported");
	p = buf + HEADER_LEN + v1;
	if ((size_t)(buf + len - p) < HEADER_LEN || !(v2 = header(p, 8, &n, &version)) ||
	    (size_t)(buf + len - p) - HEADER_LEN < v2)
		return bad(err, tz, "truncated 64-bit section");
	p += HEADER_LEN;
	tz->n_at = n.time;
	tz->n_types = n.type;
	tz->at = malloc(sizeof(*tz->at) * (n.time ? n.time : 1));
	tz->idx = malloc(n.time ? n.time : 1);
	tz->type_off = malloc(sizeof(*tz->type_off) * n.type);
	if (!tz->at || !tz->idx || !tz->type_off)
		return bad(err, tz, "out of memory");
	for (i = 0; i < n.time; i++) {
		tz->at[i] = be64(p + 8 * i);
		if (i > 0 && tz->at[i] <= tz->at[i - 1])
			return bad(err, tz, "transitions out of order");
	}
	p += 8 * (size_t)n.time;
	for (i = 0; i < n.time; i++) {
		tz->idx[i] = p[i];
		if (p[i] >= n.type)
			return bad(err, tz, "transition type out of range");
	}
	p += n.time;
	for (i = 0; i < n.type; i++) {
		int32_t off = (int32_t)be32(p + 6 * i);

		if (off <= -25 * 3600 || off >= 26 * 3600 || p[6 * i + 4] > 1 ||
		    p[6 * i + 5] >= n.chars)
			return bad(err, tz, "bad local time type");
		tz->type_off[i] = off;
	}
	p += v2 - 8 * (size_t)n.time - n.time;
	foot = p;
	if (foot == buf + len)
		return KT_OK;
	if (*foot != '\n' || !(nl = memchr(foot + 1, '\n', (size_t)(buf + len - foot - 1))))
		return bad(err, tz, "bad footer");
	if (nl == foot + 1)
		return KT_OK;
	if (kt_tz_rule_parse((const char *)foot + 1, (size_t)(nl - foot - 1), &tz->rule))
		return bad(err, tz, "footer is not a POSIX TZ string");
	tz->has_rule = 1;
	return KT_OK;
}

/* Letters, digits, _ + - and single slashes; a letter first; no "..". */
static int name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0, i;
	int ok = len > 0 && len <= KT_TZ_NAME_MAX &&
		 ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')) &&
		 name[len - 1] != '/';

	for (i = 1; ok && i < len; i++) {
		char ch = name[i];

		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' ||
		     (ch == '/' && name[i - 1] != '/');
	}
	return ok;
}

int kt_tz_load(const char *dir, const char *name, struct kt_tz *tz,
	       struct kt_err *err)
{
	char path[1024];
	unsigned char *buf = NULL;
	size_t len;
	FILE *f;
	int rc, n;

	memset(tz, 0, sizeof(*tz));
	if (!name_ok(name))
		return kt_err_set(err, KT_EC_INVALID, "unknown_time_zone",
				  "invalid time zone name");
	if (!dir)
		dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return kt_err_set(err, KT_EC_INVALID, "unknown_time_zone",
				  "time zone directory path too long");
	if (!(f = fopen(path, "rb")))
		return kt_err_set(err, KT_EC_INVALID, "unknown_time_zone",
				  "unknown time zone \"%s\"", name);
	if (!(buf = malloc(KT_TZIF_MAX_BYTES + 1))) {
		fclose(f);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	len = fread(buf, 1, KT_TZIF_MAX_BYTES + 1, f);
	fclose(f);
	if (len > KT_TZIF_MAX_BYTES)
		rc = kt_err_set(err, KT_EC_INVALID, "bad_time_zone",
				"time zone file of \"%s\" is too large", name);
	else
		rc = kt_tzif_parse(buf, len, tz, err);
	free(buf);
	if (rc == KT_OK)
		memcpy(tz->name, name, strlen(name) + 1);
	return rc;
}

void kt_tz_init_utc(struct kt_tz *tz)
{
	memset(tz, 0, sizeof(*tz));
	memcpy(tz->name, "UTC", 4);
}

void kt_tz_release(struct kt_tz *tz)
{
	if (!tz)
		return;
	free(tz->at);
	free(tz->idx);
	free(tz->type_off);
	tz->at = NULL;
	tz->idx = NULL;
	tz->type_off = NULL;
	tz->n_at = tz->n_types = 0;
	tz->has_rule = 0;
}

long kt_tz_offset(const struct kt_tz *tz, long long t)
{
	size_t lo = 0, hi;

	if (t > SPAN_LIMIT)
		t = SPAN_LIMIT;
	if (t < -SPAN_LIMIT)
		t = -SPAN_LIMIT;
	if (tz->n_at == 0 || t >= tz->at[tz->n_at - 1]) {
		if (tz->has_rule)
			return kt_tz_rule_offset(&tz->rule, t);
		if (tz->n_at)
			return tz->type_off[tz->idx[tz->n_at - 1]];
		return tz->n_types ? tz->type_off[0] : 0;
	}
	if (t < tz->at[0])
		return tz->type_off[0];
	/* the last transition at or before t */
	hi = tz->n_at - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->type_off[tz->idx[lo]];
}

long long kt_tz_utc_of_local(const struct kt_tz *tz, long long local)
{
	long before = kt_tz_offset(tz, local - 86400), after = kt_tz_offset(tz, local + 86400);
	long long first = local - before, second = local - after;

	if (before == after || kt_tz_offset(tz, first) == before)
		return first;
	if (kt_tz_offset(tz, second) == after)
		return second;
	return first;
}
