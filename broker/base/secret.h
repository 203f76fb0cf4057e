/* secret.h - resolving a secret reference ("env:KETEN_SECRET_NAME" or
 * "file:/<secrets_dir>/name") to the secret itself. Secrets never sit in
 * the database or in logs, and a reference reaches nothing else: no other
 * variable (the database URL), no file outside the one secrets directory,
 * no symlink, nothing but a regular file. */
#ifndef KETEN_SECRET_H
#define KETEN_SECRET_H

#include "keten/err.h"

/* The prefix every env: reference names. */
#define KT_SECRET_ENV_PREFIX "KETEN_SECRET_"

/* Sets the one directory file: references may read (the setting
 * secrets_dir; NULL or "": file: references are refused). Call once at
 * start, before any thread; dir is copied. KT_ERR when out of memory. */
int kt_secret_set_dir(const char *dir);

/* *out gets a malloc'd copy (trimmed of surrounding white space); the
 * caller wipes and frees it with kt_secret_free. Fails with config
 * "secret_unavailable" (the message names the reference and why, never
 * the value) for an unset or empty variable, a variable without the
 * KETEN_SECRET_ prefix, a file not directly in the secrets directory, a
 * symlink, a file that is not regular, empty or over 4 KiB. */
int kt_secret_resolve(const char *ref, char **out, struct kt_err *err);

/* Overwrites and frees; accepts NULL. */
void kt_secret_free(char *secret);

#endif
