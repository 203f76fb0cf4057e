/* adapter_tmf621_v5.c - fuzz target: the TMF621 adapter's readers for a v5
 * seller (hub events, poll pages, create and note-check answers, lookups,
 * TMF Error answers). */
#include "fuzz_adapter.h"

KT_FUZZ_ADAPTER_TARGET("tmf621", "tests/unit/data/tmf621/mapping_v5.json", "tests/unit/data/tmf621/leg_view.json")
