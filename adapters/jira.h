/* adapters/jira.h - the `jira` adapter: canonical messages to Jira Cloud
 * issues (platform REST v3) and Jira Service Management requests, and
 * Jira's webhooks and JQL poll pages back, as adapters/jira.md specifies.
 * Reach it through kt_adapter_find("jira"); this header exists for the
 * registry. */
#ifndef KETEN_ADAPTER_JIRA_H
#define KETEN_ADAPTER_JIRA_H

#include "keten/adapter.h"

extern const struct kt_adapter kt_adapter_jira;

#endif
