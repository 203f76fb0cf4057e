/* api_priority.c - POST /v1/tickets/{id}/priority: the customer (or the
 * integrator) changes a ticket's impact and urgency; its priority and SLA
 * clocks follow. Answers with the caller's view of the ticket. */
#include "http/api.h"
#include "base/json_field.h"
#include "intake/intake.h"
#include "store/tx_priority.h"

int kt_api_ticket_priority(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	static const char *const known[] = { "impact", "urgency" };
	json_t *body = kt_api_body_json(r, err);
	int impact, urgency, rc = KT_ERR;

	if (!body)
		return KT_ERR;
	kt_json_unknown_members(body, known, 2, "a member of a priority change", err);
	impact = kt_intake_level(body, "impact", err);
	urgency = kt_intake_level(body, "urgency", err);
	if (err->details) {
		kt_err_set(err, KT_EC_INVALID, "invalid_priority", "the priority change is not valid");
		goto out;
	}
	if (kt_store_priority_change(db, r->params[0], &r->principal, impact, urgency, err))
		goto out;
	r->answer = kt_api_ticket_view(db, r, r->params[0], err);
	if (r->answer) {
		r->status = 200;
		rc = KT_OK;
	}
out:
	json_decref(body);
	return rc;
}
