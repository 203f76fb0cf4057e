/* adapter_servicenow.c - fuzz target: the ServiceNow adapter's readers
 * (business-rule pushes, records and journal pages, answers, errors). */
#include "fuzz_adapter.h"

KT_FUZZ_ADAPTER_TARGET("servicenow", "tests/unit/data/servicenow/mapping.json", "tests/unit/data/servicenow/leg_view.json")
