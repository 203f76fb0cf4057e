/* adapters/topdesk.h - the `topdesk` adapter: canonical messages to TOPdesk
 * incidents (REST API /tas/api/incidents) and TOPdesk's pushes and poll
 * pages back, as adapters/topdesk.md specifies. Reach it through
 * kt_adapter_find("topdesk"); this header exists for the registry. */
#ifndef KETEN_ADAPTER_TOPDESK_H
#define KETEN_ADAPTER_TOPDESK_H

#include "keten/adapter.h"

/* TOPdesk's limit of briefDescription, in characters (UTF-16 units). */
#define KT_TOPDESK_BRIEF_MAX 80
/* TOPdesk's limit of externalNumber, in characters. */
#define KT_TOPDESK_EXTERNAL_MAX 60

extern const struct kt_adapter kt_adapter_topdesk;

#endif
