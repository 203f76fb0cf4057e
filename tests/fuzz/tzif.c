/* tzif.c - fuzz target: a TZif file (sla/tzif.c, with the footer's POSIX
 * TZ string of sla/tz_rule.c), and when it parses, offsets and local
 * times across its table and past it. */
#include <stdint.h>

#include "sla/tzif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long at[] = {
		-4102444800LL, -1, 0, 1711846800, 1774746000, 4102444800LL, 1LL << 41,
	};
	struct kt_tz tz;
	struct kt_err err = {0};

	if (kt_tzif_parse(data, size, &tz, &err) == KT_OK) {
		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			kt_tz_offset(&tz, at[i]);
			kt_tz_utc_of_local(&tz, at[i]);
		}
		kt_tz_release(&tz);
	}
	kt_err_release(&err);
	return 0;
}
