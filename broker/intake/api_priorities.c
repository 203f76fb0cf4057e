/* api_priorities.c - GET /v1/priorities: the ITIL impact/urgency matrix
 * of model/model.c as data, so that a form shows the priority a ticket
 * will get before it is sent without a second copy of the rule. */
#include "http/api.h"
#include "keten/model.h"

#define LEVELS 3

int kt_api_priorities(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	json_t *matrix = json_array(), *levels = json_array();

	(void)db;
	for (int i = 1; i <= LEVELS; i++) {
		json_array_append_new(levels, json_integer(i));
		for (int u = 1; u <= LEVELS; u++)
			json_array_append_new(matrix, json_pack("{s:i, s:i, s:i}", "impact", i,
								"urgency", u,
								"priority", kt_priority(i, u)));
	}
	r->answer = json_pack("{s:O, s:o, s:o}", "impact", levels, "urgency", levels,
			      "matrix", matrix);
	json_decref(levels);
	if (!r->answer || json_array_size(matrix) != LEVELS * LEVELS)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	r->status = 200;
	return KT_OK;
}
