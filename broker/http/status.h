/* status.h - the one place an error's class becomes an HTTP status. */
#ifndef KETEN_HTTP_STATUS_H
#define KETEN_HTTP_STATUS_H

#include "keten/err.h"

/* The HTTP status for an error of class cls (500 for internal and
 * configuration faults, which a caller cannot fix). */
int kt_http_status_of(enum kt_err_class cls);

#endif
