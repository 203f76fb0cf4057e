/* topdesk_update.c - an incident's state and one of its actions as
 * canonical updates of the `topdesk` adapter, with the delivery ids that
 * let a push and a poll of the same change apply once: what the push
 * reader and both phases of a poll page (topdesk_read.c,
 * topdesk_actions.c) turn TOPdesk's records into. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_util.h"
#include "base/json_field.h"
#include "base/utf8.h"
#include "topdesk_int.h"

/* Longest incident or action id kept, in bytes (TOPdesk's are UUIDs). */
#define ID_MAX 100
/* Longest comment read from an action, in bytes. */
#define COMMENT_MAX (64 * 1024)

static int out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

const char *kt_topdesk_id_of(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return kt_json_is_text(v, 1, ID_MAX) ? json_string_value(v) : NULL;
}

/* *dst = a copy of src (NULL stays NULL); -1 out of memory. */
static int dup_opt(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

/* The update of incident inc (id, modificationDate at when): its leg by
 * externalNumber and its TOPdesk id, applied once under delivery id
 * "<kind>:<id>" (an action's own id) or, without one, "<kind>:<incident
 * id>:<when>". NULL out of memory. */
static struct kt_inbound_update *add_update(struct kt_inbound_list *list, const json_t *inc,
					    const char *when, const char *kind, const char *id)
{
	struct kt_inbound_update *u = kt_inbound_list_add(list);
	const char *ext = json_string_value(json_object_get(inc, "externalNumber"));
	char delivery[300];

	if (!u)
		return NULL;
	if (id)
		snprintf(delivery, sizeof(delivery), "%s:%s", kind, id);
	else
		snprintf(delivery, sizeof(delivery), "%s:%s:%s", kind, kt_topdesk_id_of(inc, "id"), when);
	if (dup_opt(&u->leg_id, kt_is_uuid(ext) ? ext : NULL) ||
	    dup_opt(&u->external_id, kt_topdesk_id_of(inc, "id")) || dup_opt(&u->delivery_id, delivery) ||
	    dup_opt(&u->occurred_at, when))
		return NULL;
	return u;
}

/* An action's text (plainText, else memoText as text) without Keten's
 * marker "[keten:...]" at its end; the marker, if any, into *origin (both
 * owned by the caller). -1 out of memory. */
static int split_marker(const json_t *action, char **text, char **origin)
{
	const char *plain = json_string_value(json_object_get(action, "plainText"));
	const char *memo = json_string_value(json_object_get(action, "memoText"));

	*origin = NULL;
	*text = plain ? strdup(plain) : kt_topdesk_text(memo ? memo : "");
	return *text ? kt_comment_split_origin(*text, origin) : -1;
}

/* A push's action happened with the change that added it (when, the
 * incident's modificationDate), not at its entryDate: an entryDate before
 * the status update of the same push would make the comment stale. A
 * polled action happened at its entryDate, unordered. */
int kt_topdesk_add_action(struct kt_inbound_list *list, const json_t *mapping,
			  const json_t *inc, const char *when, const json_t *action,
			  int unordered, struct kt_err *err)
{
	char *text = NULL, *origin = NULL;
	struct kt_inbound_update *u;
	int rc = KT_OK;

	if (kt_topdesk_is_us(mapping, json_object_get(action, "operator")))
		return KT_OK;
	if (split_marker(action, &text, &origin))
		rc = out_of_memory(err);
	else if (*text) {
		/* longer than Keten keeps a comment: cut, never dropped */
		text[kt_utf8_cut(text, strlen(text), COMMENT_MAX)] = '\0';
		if (!(u = add_update(list, inc, when, "action", kt_topdesk_id_of(action, "id"))))
			rc = out_of_memory(err);
		else {
			u->comment = text;
			u->comment_origin = origin;
			u->comment_public = !json_is_true(json_object_get(action, "invisibleForCaller"));
			u->comment_unordered = unordered;
			return KT_OK;
		}
	}
	free(text);
	free(origin);
	return rc;
}

int kt_topdesk_add_state(struct kt_inbound_list *list, const json_t *mapping, const json_t *inc,
			 const char *when, struct kt_err *err)
{
	struct kt_inbound_update *u;
	enum kt_status st;

	if (kt_topdesk_status_in(mapping, inc, &st) != 0)
		return KT_OK;
	if (!(u = add_update(list, inc, when, "incident", NULL)))
		return out_of_memory(err);
	u->has_status = 1;
	u->status = st;
	return KT_OK;
}
