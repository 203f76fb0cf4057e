/* adapters/rt.h - the `rt` adapter: Request Tracker 5 through its REST2
 * API, as adapters/rt.md describes. Reach it through kt_adapter_find("rt");
 * this header exists for the registry. */
#ifndef KETEN_ADAPTER_RT_H
#define KETEN_ADAPTER_RT_H

#include "keten/adapter.h"

extern const struct kt_adapter kt_adapter_rt;

#endif
