/* adapter_topdesk.c - fuzz target: the TOPdesk adapter's readers
 * (automated-action pushes, poll pages, answers, errors). */
#include "fuzz_adapter.h"

KT_FUZZ_ADAPTER_TARGET("topdesk", "tests/unit/data/topdesk/mapping.json", "tests/unit/data/topdesk/leg_view.json")
