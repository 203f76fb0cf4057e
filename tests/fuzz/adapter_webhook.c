/* adapter_webhook.c - fuzz target: the webhook adapter's readers (signed
 * pushes in Keten's own dialect, answers, errors). */
#include "fuzz_adapter.h"

KT_FUZZ_ADAPTER_TARGET("webhook", NULL, "tests/unit/data/webhook/leg_view.json")
