/* chain_doc.c - fuzz target: a chain document as `keten chain import` and
 * PUT /v1/chain read it (model/chain_doc.c). */
#include <stdint.h>

#include "model/chain_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kt_chain_doc *doc = NULL;
	struct kt_err err = {0};

	kt_chain_doc_parse((const char *)data, size, &doc, &err);
	kt_chain_doc_free(doc);
	kt_err_release(&err);
	return 0;
}
