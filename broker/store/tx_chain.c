/* tx_chain.c - the chain import as one transaction (store/store.h,
 * kt_store_chain_import): the steps of kt_store_chain_apply between
 * BEGIN and COMMIT, rolled back for a dry run. A transaction file. */
#include "model/chain_doc.h"
#include "store/internal.h"

int kt_store_chain_import(struct kt_db *db, const struct kt_chain_doc *doc,
			  int dry_run, struct kt_chain_plan *plan,
			  struct kt_err *err)
{
	memset(plan, 0, sizeof(*plan));
	if (kt_db_begin(db, err))
		return KT_ERR;
	if (kt_store_chain_apply(db, doc, KT_CHAIN_UPSERT, dry_run, plan, err)) {
		kt_db_rollback(db);
		return KT_ERR;
	}
	if (dry_run) {
		kt_db_rollback(db);
	} else if (kt_db_commit(db, err)) {
		kt_chain_plan_release(plan);
		return KT_ERR;
	}
	return KT_OK;
}
