/* adapter_rt.c - fuzz target: the Request Tracker adapter's readers
 * (TicketSQL and transaction pages, answers, errors). */
#include "fuzz_adapter.h"

KT_FUZZ_ADAPTER_TARGET("rt", "tests/unit/data/rt/supplier.json", "tests/unit/data/rt/leg_view.json")
