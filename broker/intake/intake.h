/* intake.h - reading and checking a new ticket from a request body (pure).
 * The store then checks it against the chain and writes it. */
#ifndef KETEN_INTAKE_H
#define KETEN_INTAKE_H

#include <jansson.h>

#include "base/json_field.h"
#include "keten/err.h"
#include "keten/model.h"

#define KT_SUMMARY_MAX 200
#define KT_DESCRIPTION_MAX 65536

struct kt_intake {
	enum kt_ticket_type type;
	const char *service;      /* borrowed from the body; a uuid */
	const char *component;    /* borrowed; NULL when not given */
	const char *category;     /* borrowed; NULL when not given */
	const char *ci;           /* borrowed: a configuration item's name; NULL when not given */
	const char *summary;      /* borrowed */
	const char *description;  /* borrowed */
	int impact, urgency, priority;
};

/* Fills out from body (which must outlive out). KT_ERR with 422
 * "invalid_ticket" and one detail per problem, or invalid "unknown_service"
 * when service is not a uuid (it cannot name a service). */
int kt_intake_parse(const json_t *body, struct kt_intake *out, struct kt_err *err);

/* The ITIL level (1..3) of member name of body ("impact", "urgency"), or
 * 0 with a detail at /name added to err when it is missing or not 1, 2
 * or 3. */
int kt_intake_level(const json_t *body, const char *name, struct kt_err *err);

#endif
