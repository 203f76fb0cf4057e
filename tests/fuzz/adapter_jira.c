/* adapter_jira.c - fuzz target: the Jira adapter's readers (webhooks, JQL
 * poll pages, create and transition answers, lookups, error answers). */
#include "fuzz_adapter.h"

KT_FUZZ_ADAPTER_TARGET("jira", "tests/unit/data/jira/mapping.json", "tests/unit/data/jira/leg_view.json")
