/* config.c - fuzz target: the config file (base/config.c
 * kt_config_load_file): `name = value` lines, comments, every setting's
 * type and bounds. The input is written to one scratch file per process
 * and read back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct kt_config cfg;
	struct kt_err err = { 0 };
	FILE *f;

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof(path), "%s/keten-fuzz-config-XXXXXX",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
	}
	if (!(f = fopen(path, "w")))
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	kt_config_init(&cfg);
	if (kt_config_load_file(&cfg, path, &err) == KT_OK)
		kt_config_validate(&cfg, &err);
	kt_err_release(&err);
	kt_config_release(&cfg);
	return 0;
}
