/* people.h - what the people API and `keten user` share: reading a new
 * person's fields, and making one-time links (invite, reset) whose token
 * is shown once and stored only as its SHA-256. Runs on a database worker
 * or in a subcommand. */
#ifndef KETEN_PEOPLE_H
#define KETEN_PEOPLE_H

#include <jansson.h>

#include "http/auth.h"
#include "keten/err.h"
#include "store/store.h"

/* The path of the portal page a link opens, before its token: the token
 * travels in the fragment, which no server or log sees. */
#define KT_PEOPLE_LINK_PATH "/password.html#token="

/* A new person's fields (borrowed strings). */
struct kt_person_new {
	const char *email;
	const char *name;
	enum kt_role role;      /* integrator or customer */
	const char *customer;   /* key or uuid; customers only */
};

/* Reads body {email, name, role, customer?} into out (strings borrowed
 * from body). invalid "invalid_person" with a detail per problem: email
 * of 3..254 bytes with one "@" and no blanks, name of 1..200 bytes, role
 * integrator or customer, customer required for a customer only, no
 * other member. */
int kt_people_parse_new(const json_t *body, struct kt_person_new *out, struct kt_err *err);

/* 1 when email has the shape the people table takes, else 0. */
int kt_people_email_ok(const char *email);

/* Creates the person of p with an invite link valid ttl_s seconds.
 * Returns {"person": person, "link": link} with link {kind, token, path,
 * expires_at} (new reference), or NULL with err as
 * store/tx_person.h kt_store_person_invite. */
json_t *kt_people_invite(struct kt_db *db, const struct kt_person_new *p, int ttl_s,
			 struct kt_err *err);

/* A reset link for the person whose id or email is who, valid ttl_s
 * seconds (their earlier unused links stop working). Returns {"person_id",
 * "link": {kind, token, path, expires_at}} (new reference), or NULL with
 * err as store/row_link.h kt_store_link_create. */
json_t *kt_people_reset(struct kt_db *db, const char *who, int ttl_s, struct kt_err *err);

#endif
