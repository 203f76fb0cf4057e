/* sla_alerts.h - the sweep of `keten serve` that records the SLA warnings
 * and breaches of running clocks as they come due: a timer on the loop
 * (sla_alert_interval_ms), the work on the background database pool.
 * Every node sweeps; each alert is recorded once (store/tx_sla.h). */
#ifndef KETEN_SLA_ALERTS_H
#define KETEN_SLA_ALERTS_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_sla_alerts;

/* Needs app->base, app->bg_pool and app->cfg; starts the timer. */
struct kt_sla_alerts *kt_sla_alerts_new(struct kt_app *app, struct kt_err *err);

/* Starts no more sweeps; one running finishes. */
void kt_sla_alerts_stop(struct kt_sla_alerts *s);

/* Frees s; call after the background pool is freed. Accepts NULL. */
void kt_sla_alerts_free(struct kt_sla_alerts *s);

#endif
