/* status.c - the HTTP status of each error class (see http/status.h): the
 * API's answers choose their status here and nowhere else. */
#include "http/status.h"

int kt_http_status_of(enum kt_err_class cls)
{
	static const int status[KT_EC__COUNT] = {
		[KT_EC_INTERNAL] = 500,     [KT_EC_MALFORMED] = 400,
		[KT_EC_UNAUTHENTICATED] = 401, [KT_EC_FORBIDDEN] = 403,
		[KT_EC_NOT_FOUND] = 404,    [KT_EC_METHOD] = 405,
		[KT_EC_CONFLICT] = 409,     [KT_EC_TOO_LARGE] = 413,
		[KT_EC_MEDIA_TYPE] = 415,   [KT_EC_INVALID] = 422,
		[KT_EC_SUPPLIER] = 502,     [KT_EC_UNAVAILABLE] = 503,
		[KT_EC_CONFIG] = 500,       [KT_EC_RATE_LIMITED] = 429,
	};

	return (unsigned)cls < KT_EC__COUNT ? status[cls] : 500;
}
