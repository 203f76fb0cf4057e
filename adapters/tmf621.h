/* adapters/tmf621.h - the `tmf621` adapter: canonical messages to a TM
 * Forum TMF621 Trouble Ticket seller (v4 or v5, per supplier) and the
 * seller's events and poll pages back, as adapters/tmf621.md specifies.
 * Reach it through kt_adapter_find("tmf621"); this header exists for the
 * registry. */
#ifndef KETEN_ADAPTER_TMF621_H
#define KETEN_ADAPTER_TMF621_H

#include "keten/adapter.h"

extern const struct kt_adapter kt_adapter_tmf621;

#endif
