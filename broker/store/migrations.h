/* migrations.h - the numbered SQL migrations compiled into keten from
 * schemas/migrations/ (see schemas/embed.sh), in ascending order. */
#ifndef KETEN_MIGRATIONS_H
#define KETEN_MIGRATIONS_H

struct kt_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct kt_migration kt_migrations[];
extern const int kt_migrations_count;

#endif
