/* tz_cache.h - the zones of the system's tz database, parsed once per
 * process: each SLA refresh asks for its agreements' zones here instead of
 * reading and parsing the TZif file again. Safe across threads (one
 * mutex), bounded (KT_TZ_CACHE_MAX zones, the least recently used goes
 * first), and a zone is read afresh after KT_TZ_CACHE_TTL_MS so a tzdata
 * upgrade reaches a running broker within that time. */
#ifndef KETEN_SLA_TZ_CACHE_H
#define KETEN_SLA_TZ_CACHE_H

#include "keten/err.h"
#include "sla/tzif.h"

#define KT_TZ_CACHE_MAX 32                    /* zones kept */
#define KT_TZ_CACHE_TTL_MS (60LL * 60 * 1000)  /* a zone is read again after */

/* Fills tz with a copy of the zone named name, as kt_tz_load(NULL, name)
 * would (the file of $TZDIR, else /usr/share/zoneinfo), from the cache
 * when it holds it; else loads it and keeps a copy. The caller owns tz
 * (release with kt_tz_release). Fails as kt_tz_load does (KT_EC_INVALID
 * "unknown_time_zone" or "bad_time_zone"; a zone that failed is not
 * kept), or with "out_of_memory"; tz then holds nothing. */
int kt_tz_cache_load(const char *name, struct kt_tz *tz, struct kt_err *err);

/* Empties the cache and frees what it held (for tests and at exit). */
void kt_tz_cache_clear(void);

#endif
