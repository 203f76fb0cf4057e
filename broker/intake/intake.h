/* intake.h - reading and checking a new ticket from a request body (pure).
 * The store then checks it against the chain and writes it. */
#ifndef KETEN_INTAKE_H
#define KETEN_INTAKE_H

#include <jansson.h>

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

/* Adds a detail "is not <what>" to err for each member of object body
 * whose name is not one of known[0..n), at its JSON pointer, in body order. */
void kt_json_unknown_members(const json_t *body, const char *const *known, size_t n,
			     const char *what, struct kt_err *err);

/* 1 when s has the shape of a uuid: 8-4-4-4-12 hex digits, any case. */
int kt_is_uuid(const char *s);

/* The string member name of body, of min..max bytes; NULL (JSON null
 * counts as absent) with a detail "/name" added to err when it is
 * required and absent, or not such a string. Borrowed from body. */
const char *kt_json_text_member(const json_t *body, const char *name, int required,
				size_t min, size_t max, struct kt_err *err);

#endif
