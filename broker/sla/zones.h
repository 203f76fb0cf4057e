/* zones.h - the time zones a chain document's agreements name, checked
 * against this machine's tz database before an import: the chain check
 * (model/chain_doc.h) looks at a zone name's shape only, the clocks need
 * its file. */
#ifndef KETEN_SLA_ZONES_H
#define KETEN_SLA_ZONES_H

#include "keten/err.h"
#include "model/chain_types.h"

/* Loads the zone of every office-hours calendar of doc (each service's
 * sla, each supplier's contracts) from the system's tz database
 * (sla/tzif.h). KT_OK, or KT_ERR with invalid "invalid_chain" and a
 * detail at each timezone's JSON pointer that names a zone this machine
 * does not have (or cannot read). */
int kt_sla_zones_check(const struct kt_chain_doc *doc, struct kt_err *err);

#endif
