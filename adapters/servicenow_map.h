/* adapters/servicenow_map.h - the `servicenow` adapter's mapping
 * (adapters/servicenow.md, schemas/adapters/servicenow.json): its check at
 * import, the entry of a ticket type with the defaults the facts give
 * (incident state codes and hold reasons), the state maps both ways, and
 * the small text helpers the adapter's requests and readers share. Pure. */
#ifndef KETEN_ADAPTER_SERVICENOW_MAP_H
#define KETEN_ADAPTER_SERVICENOW_MAP_H

#include <jansson.h>

#include "base/buf.h"
#include "keten/adapter.h"

/* Largest sys_id, correlation id and other id the adapter reads, in bytes. */
#define KT_SN_ID_MAX 255
/* Largest comment or work note read from the supplier, in bytes (longer
 * ones are cut on a character boundary). */
#define KT_SN_COMMENT_MAX (64 * 1024)
/* Largest text the adapter sends in one field, in bytes. */
#define KT_SN_TEXT_MAX (64 * 1024)
/* Largest URL the adapter builds, in bytes. */
#define KT_SN_URL_MAX 8192
/* A ServiceNow date-time, "YYYY-MM-DD HH:MM:SS" (UTC), without the NUL. */
#define KT_SN_DATE_LEN 19

/* The entry one ticket type goes to. All borrowed from the mapping. */
struct kt_sn_entry {
	const json_t *obj;          /* the mapping's entry */
	const char *table;          /* where its records live */
	const char *catalog_item;   /* a catalog order's item sys_id; NULL:
				       a table entry */
};

/* Checks mapping (see kt_adapter.check_mapping): KT_ERR, class invalid,
 * code "invalid_mapping", one detail per problem. */
int kt_sn_check_mapping(const json_t *mapping, struct kt_err *err);

/* 1 when mapping has an entry for type t. */
int kt_sn_accepts_type(const json_t *mapping, enum kt_ticket_type t);

/* The entry of the ticket type named type (e.g. "incident"), into *e;
 * -1 when the mapping has none. */
int kt_sn_entry_of(const json_t *mapping, const char *type, struct kt_sn_entry *e);

/* The entry whose table is table, into *e; -1 when none is. */
int kt_sn_entry_by_table(const json_t *mapping, const char *table, struct kt_sn_entry *e);

/* The state code (and, for the on-hold state, the hold reason code into
 * *hold, else NULL) that canonical status st is sent as; NULL when the
 * entry sends st as no state. Borrowed. */
const char *kt_sn_state_out(const struct kt_sn_entry *e, enum kt_status st, const char **hold);

/* The canonical status of a record in state (with hold_reason, may be
 * NULL); 0 with *out set, -1 when the entry maps the state to none. */
int kt_sn_status_in(const struct kt_sn_entry *e, const char *state, const char *hold_reason,
		    enum kt_status *out);

/* The mapping's text setting key, or dflt when it has none. Borrowed. */
const char *kt_sn_setting(const json_t *mapping, const char *key, const char *dflt);

/* The mapping's integer setting key, or dflt. */
long kt_sn_setting_int(const json_t *mapping, const char *key, long dflt);

/* 1 when a comment by author (customer, integrator, supplier) goes to
 * the public `comments`, 0 for `work_notes` (mapping "public_authors"). */
int kt_sn_author_public(const json_t *mapping, const char *author);

/* The value impact or urgency n (1..3) is sent as (mapping "impact" /
 * "urgency", else n itself) into buf (n bytes). Returns buf. */
const char *kt_sn_level(const json_t *mapping, const char *key, long level, char *buf,
			size_t n);

/* A ServiceNow date-time ("YYYY-MM-DD HH:MM:SS") as RFC 3339 UTC into out
 * (21 bytes); -1 when date is not one. */
int kt_sn_date_to_rfc3339(const char *date, char out[21]);

/* An RFC 3339 UTC time ("...Z" or "+00:00", any fraction dropped) as a
 * ServiceNow date-time into out (KT_SN_DATE_LEN + 1 bytes); -1 when it is
 * not one. */
int kt_sn_rfc3339_to_date(const char *ts, char out[KT_SN_DATE_LEN + 1]);

/* 1 when s is 1..KT_SN_ID_MAX bytes of letters, digits, '-', '_', '.' and
 * ':' (safe inside an encoded query). */
int kt_sn_is_token(const char *s);

int kt_sn_out_of_memory(struct kt_err *err);

#endif
