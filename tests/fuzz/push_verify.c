/* push_verify.c - fuzz target: the signature and credential headers an
 * inbound push is checked by (inbound/push_verify.c): Standard Webhooks'
 * webhook-id/-timestamp/-signature, a token header (ServiceNow, TOPdesk),
 * HTTP basic auth (TMF621) and X-Hub-Signature's "sha256=" HMAC of the
 * body (Jira). The first byte picks the scheme; the rest is header values
 * and the body, split at newlines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbound/push_verify.h"

#define FIELDS 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct kt_push_spec specs[] = {
		{ KT_PUSH_STANDARD_WEBHOOKS, NULL, "webhook-id" },
		{ KT_PUSH_TOKEN_HEADER, "x-keten-token", NULL },
		{ KT_PUSH_BASIC, NULL, NULL },
		{ KT_PUSH_HMAC_SHA256_HEX, "x-hub-signature", NULL },
		{ KT_PUSH_NONE, NULL, NULL },
	};
	static const char *const names[FIELDS - 1] = {
		"webhook-id", "webhook-timestamp", "webhook-signature", NULL,
	};
	struct kt_header headers[FIELDS];
	const struct kt_push_check check = {
		.secrets = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw c2VjcmV0LXRva2Vu",
		.username = size % 2 ? "keten" : NULL,
		.now_s = 1767225600, .tolerance_s = 300,
	};
	char *copy, *field[FIELDS] = { 0 }, *p;
	struct kt_answer push = { 0 };
	struct kt_err err = { 0 };
	size_t n = 0, i;
	const struct kt_push_spec *spec;

	if (size < 1)
		return 0;
	spec = &specs[data[0] % (sizeof(specs) / sizeof(specs[0]))];
	if (!(copy = malloc(size)))
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	/* header values first, the body last (it may hold newlines) */
	for (p = copy, i = 0; i < FIELDS - 1 && p; i++) {
		field[i] = p;
		if ((p = strchr(p, '\n')))
			*p++ = '\0';
	}
	field[FIELDS - 1] = p;
	for (i = 0; i < FIELDS - 1 && field[i]; i++) {
		/* the fourth value is the scheme's own header (token, HMAC, or
		 * Authorization for basic) */
		headers[n].name = (char *)(names[i] ? names[i] :
					  spec->header ? spec->header : "authorization");
		headers[n++].value = field[i];
	}
	push.body = field[FIELDS - 1];
	push.len = push.body ? strlen(push.body) : 0;
	push.headers = headers;
	push.n_headers = n;
	kt_push_verify(spec, &check, &push, &err);
	kt_err_release(&err);
	free(copy);
	return 0;
}
