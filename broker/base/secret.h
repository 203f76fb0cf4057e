/* secret.h - resolving a secret reference ("env:NAME" or "file:/path") to
 * the secret itself. Secrets never sit in the database or in logs. */
#ifndef KETEN_SECRET_H
#define KETEN_SECRET_H

#include "keten/err.h"

/* *out gets a malloc'd copy (trimmed of surrounding white space); the
 * caller wipes and frees it with kt_secret_free. config "secret_unavailable"
 * names the reference, never the value. */
int kt_secret_resolve(const char *ref, char **out, struct kt_err *err);

/* Overwrites and frees; accepts NULL. */
void kt_secret_free(char *secret);

#endif
