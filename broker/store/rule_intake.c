/* rule_intake.c - a new ticket in the database (see store/rule_intake.h):
 * its service, its number, the ticket row and "received" event, and its
 * legs as routing decides. A rule file: runs in the caller's transaction. */
#include "routing/routing.h"
#include "store/internal.h"
#include "store/rule_intake.h"
#include "store/rule_route.h"

static const char *const type_sequences[KT_TYPE__COUNT] = {
	"ticket_number_incident", "ticket_number_request",
	"ticket_number_change", "ticket_number_problem",
};

int kt_store_intake_ticket(struct kt_db *db, const struct kt_principal *p,
			   const struct kt_intake *in, char *id_out,
			   int *n_messages, struct kt_err *err)
{
	char impact[4], urgency[4], priority[4], actor[80];
	const char *svc_params[] = { in->service,
		p->role == KT_ROLE_CUSTOMER ? p->customer_id : NULL };
	struct kt_route_ask ask = {
		.type = kt_ticket_type_name(in->type), .component = in->component,
		.category = in->category, .ci = in->ci,
	};
	struct kt_route_plan *plan = NULL;
	const char *service_version, *customer_id;
	PGresult *svc = NULL, *tres = NULL;

	*n_messages = 0;
	snprintf(impact, sizeof(impact), "%d", in->impact);
	snprintf(urgency, sizeof(urgency), "%d", in->urgency);
	snprintf(priority, sizeof(priority), "%d", in->priority);
	kt_principal_actor(p, actor, sizeof(actor));
	/* FOR SHARE: a chain import cannot move the version under us. */
	svc = kt_db_exec(db,
		"SELECT s.customer_id, s.chain_version, cv.default_component"
		" FROM services s JOIN chain_versions cv"
		"  ON cv.service_id = s.id AND cv.version = s.chain_version"
		" WHERE s.id = $1::uuid AND ($2::uuid IS NULL OR s.customer_id = $2::uuid)"
		" FOR SHARE OF s", 2, svc_params, err);
	if (!svc)
		goto fail;
	if (PQntuples(svc) != 1) {
		kt_err_detail(err, "/service", "no such service");
		kt_err_set(err, KT_EC_INVALID, "unknown_service", "unknown service \"%s\"", in->service);
		goto fail;
	}
	customer_id = PQgetvalue(svc, 0, 0);
	service_version = PQgetvalue(svc, 0, 1);
	if (kt_store_route_plan(db, in->service, service_version,
				PQgetisnull(svc, 0, 2) ? NULL : PQgetvalue(svc, 0, 2),
				&ask, &plan, err))
		goto fail;
	{
		const char *params[] = {
			kt_ticket_type_prefix(in->type), type_sequences[in->type],
			kt_ticket_type_name(in->type), customer_id, in->service,
			service_version, in->component, in->summary, in->description,
			impact, urgency, priority, actor, in->category, in->ci,
		};

		tres = kt_db_exec(db,
			"WITH t AS (INSERT INTO tickets (number, type, customer_id, service_id,"
			"   chain_version, component_key, summary, description, impact, urgency, priority,"
			"   category, ci)"
			"  VALUES ($1 || '-' || lpad(nextval($2::regclass)::text, 6, '0'), $3,"
			"   $4::uuid, $5::uuid, $6::integer, $7, $8, $9, $10::smallint,"
			"   $11::smallint, $12::smallint, $14, $15) RETURNING id, number)"
			" INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at, data)"
			" SELECT id, 'received', 'customer', $13, 'integrator', now(),"
			"  json_build_object('text', 'ticket ' || number || ' received')"
			" FROM t RETURNING ticket_id",
			15, params, err);
	}
	if (!tres)
		goto fail;
	snprintf(id_out, KT_UUID_LEN + 1, "%s", PQgetvalue(tres, 0, 0));
	if (kt_store_route_open(db, plan, id_out, n_messages, err))
		goto fail;
	PQclear(tres);
	PQclear(svc);
	kt_store_route_plan_free(plan);
	return KT_OK;
fail:
	PQclear(tres);
	PQclear(svc);
	kt_store_route_plan_free(plan);
	return KT_ERR;
}
