/* intake.c - fuzz target: a ticket's intake body (JSON text, then the
 * intake rules of intake/intake.c). */
#include <stdint.h>

#include <jansson.h>

#include "intake/intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, 0, NULL);
	struct kt_intake in;
	struct kt_err err = {0};

	if (body)
		kt_intake_parse(body, &in, &err);
	json_decref(body);
	kt_err_release(&err);
	return 0;
}
