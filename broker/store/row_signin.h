/* row_signin.h - the sign-in throttle (migration 030), kept in the
 * database so that its limits hold across nodes: failed sign-ins counted
 * per email (hashed) and per client address in a fixed window. A row
 * file: the signin_throttle table. */
#ifndef KETEN_STORE_ROW_SIGNIN_H
#define KETEN_STORE_ROW_SIGNIN_H

#include "store/store.h"

/* The limits: a window of window_s seconds in which at most max_email
 * failures for one email and max_address failures from one address are
 * allowed before further attempts are refused until the window ends. */
struct kt_signin_limits {
	int window_s;
	int max_email;
	int max_address;
};

/* *retry_s = 0 when a sign-in for email from address may be tried, else
 * the whole seconds until the fuller window ends. KT_OK, or KT_ERR on a
 * database error. */
int kt_store_signin_check(struct kt_db *db, const char *email, const char *address,
			  const struct kt_signin_limits *lim, int *retry_s, struct kt_err *err);

/* Counts a failed sign-in for email and for address (a window older than
 * window_s starts again at 1); drops up to 100 other counts whose window
 * is over, in the same statement (no sweep needed). */
int kt_store_signin_failed(struct kt_db *db, const char *email, const char *address,
			   const struct kt_signin_limits *lim, struct kt_err *err);

/* Forgets email's failures after a good sign-in (the address's stay). */
int kt_store_signin_reset(struct kt_db *db, const char *email, struct kt_err *err);

#endif
