/* row_oidc_person.h - a person who signs in through OpenID Connect, kept
 * by (issuer, subject) in people (migration 030): made on the first
 * sign-in, brought up to date from the provider's claims on every later
 * one. A row file: the people table (a customer's key read beside it). */
#ifndef KETEN_STORE_ROW_OIDC_PERSON_H
#define KETEN_STORE_ROW_OIDC_PERSON_H

#include "http/auth.h"
#include "store/store.h"

/* What the provider says about a person (borrowed strings). */
struct kt_oidc_person {
	const char *issuer, *subject;
	const char *email;          /* shaped as people.email takes it */
	const char *name;           /* at most 200 bytes */
	enum kt_role role;          /* integrator or customer */
	const char *customer_key;   /* customers.key; customers only, else NULL */
};

/* Inserts the person of p, or updates the one with p's issuer and
 * subject (email, name, role, customer: the provider is the source), in
 * one statement; id gets its uuid (KT_UUID_LEN + 1 bytes). Fails with
 * forbidden "oidc_unknown_customer" (no customer has that key),
 * conflict "email_taken" (another person, such as a password account,
 * has the email: never linked by email, since a provider may not have
 * checked it), forbidden "person_disabled". */
int kt_store_oidc_person_upsert(struct kt_db *db, const struct kt_oidc_person *p,
				char *id, struct kt_err *err);

#endif
