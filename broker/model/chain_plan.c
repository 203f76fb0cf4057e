/* chain_plan.c - the import plan: adding, ordering, counting and printing
 * changes (see model/chain_plan.h). Pure. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "model/chain_plan.h"

static const char *const entity_names[] = {
	[KT_CHAIN_CUSTOMER] = "customer",
	[KT_CHAIN_SUPPLIER] = "supplier",
	[KT_CHAIN_SERVICE] = "service",
};

struct kt_chain_change *kt_chain_plan_add(struct kt_chain_plan *plan,
					  enum kt_chain_entity entity,
					  enum kt_chain_op op, const char *key)
{
	struct kt_chain_change *p = kt_array_grow(plan->changes, &plan->cap,
						    plan->n, sizeof(*p));

	if (!p)
		return NULL;
	plan->changes = p;
	p += plan->n++;
	memset(p, 0, sizeof(*p));
	p->entity = entity;
	p->op = op;
	snprintf(p->key, sizeof(p->key), "%s", key);
	return p;
}

static int cmp_change(const void *a, const void *b)
{
	const struct kt_chain_change *x = a, *y = b;

	if (x->entity != y->entity)
		return x->entity < y->entity ? -1 : 1;
	return strcmp(x->key, y->key);
}

void kt_chain_plan_sort(struct kt_chain_plan *plan)
{
	if (plan->n > 1)
		qsort(plan->changes, plan->n, sizeof(*plan->changes), cmp_change);
}

size_t kt_chain_plan_count(const struct kt_chain_plan *plan)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n; i++)
		n += plan->changes[i].op != KT_CHAIN_SAME;
	return n;
}

void kt_chain_plan_print(const struct kt_chain_plan *plan, FILE *out)
{
	const struct kt_chain_change *ch;
	size_t i;

	for (i = 0; i < plan->n; i++) {
		ch = &plan->changes[i];
		fprintf(out, "%c %s %s", (int)ch->op, entity_names[ch->entity], ch->key);
		if (ch->op == KT_CHAIN_SAME)
			fputs(": unchanged", out);
		else if (ch->entity == KT_CHAIN_SERVICE)
			fprintf(out, ": chain version %d", ch->version);
		if (ch->op == KT_CHAIN_ADD && ch->entity == KT_CHAIN_SERVICE)
			fprintf(out, " (%zu component%s)", ch->n_components,
				ch->n_components == 1 ? "" : "s");
		else if (ch->op == KT_CHAIN_UPDATE && ch->what)
			fprintf(out, " (%s)", ch->what);
		fputc('\n', out);
	}
	for (i = 0; i < plan->n; i++) {
		ch = &plan->changes[i];
		if (ch->entity == KT_CHAIN_SERVICE && ch->id[0])
			fprintf(out, "service %s id %s\n", ch->key, ch->id);
	}
	fprintf(out, "chain import: %zu change(s)%s\n", kt_chain_plan_count(plan),
		plan->dry_run ? " (dry run, nothing applied)" : "");
}

void kt_chain_plan_release(struct kt_chain_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n; i++)
		free(plan->changes[i].what);
	free(plan->changes);
	memset(plan, 0, sizeof(*plan));
}
