-- 019_sla_clocks.sql - the SLA clocks of issue 13, as the broker last
-- computed them (broker/store/rule_sla.c with broker/sla/): per ticket
-- against the customer SLA of its chain version (response, resolution),
-- per leg against its supplier's contract (acknowledge, resolve). Each
-- clock: its target in business minutes for the ticket's priority (NULL:
-- no target, no clock), its due time and the instant its warning share
-- of the target is used (NULL while a pause holds it), when it stopped,
-- and whether it was met (NULL while it runs). Rules: README "SLA clocks".
ALTER TABLE tickets
    ADD COLUMN sla_response_min   integer,
    ADD COLUMN sla_response_due   timestamptz,
    ADD COLUMN sla_response_warn  timestamptz,
    ADD COLUMN sla_response_at    timestamptz,
    ADD COLUMN sla_response_met   boolean,
    ADD COLUMN sla_resolution_min integer,
    ADD COLUMN sla_resolution_due timestamptz,
    ADD COLUMN sla_resolution_warn timestamptz,
    ADD COLUMN sla_resolution_at  timestamptz,
    ADD COLUMN sla_resolution_met boolean,
    ADD COLUMN sla_paused         boolean NOT NULL DEFAULT false,
    ADD COLUMN sla_held           jsonb;

-- sla_held: who held the ticket, in business seconds of its SLA's calendar
-- up to its resolution (or the last refresh): {"integrator", "customer",
-- "suppliers": {"<key>": seconds}} (README "SLA clocks").

-- sla_contract: the contract of the leg's component, as the supplier had
-- it when the leg opened ({"key", "name", "service_hours"?, "targets"?}),
-- kept so that a later change of the contract does not move a running
-- clock; NULL when the component names none.
ALTER TABLE legs
    ADD COLUMN sla_contract     jsonb,
    ADD COLUMN sla_ack_min      integer,
    ADD COLUMN sla_ack_due      timestamptz,
    ADD COLUMN sla_ack_warn     timestamptz,
    ADD COLUMN sla_ack_at       timestamptz,
    ADD COLUMN sla_ack_met      boolean,
    ADD COLUMN sla_resolve_min  integer,
    ADD COLUMN sla_resolve_due  timestamptz,
    ADD COLUMN sla_resolve_warn timestamptz,
    ADD COLUMN sla_resolve_at   timestamptz,
    ADD COLUMN sla_resolve_met  boolean,
    ADD COLUMN sla_paused       boolean NOT NULL DEFAULT false;

-- One clock as the API shows it: NULL without a target; else its target,
-- due time, stop time, whether it was met (NULL while running) and its
-- state at now(): met, breached (stopped late, or due and still running),
-- paused or running.
CREATE FUNCTION keten_sla_clock(target_min integer, due timestamptz, stopped timestamptz,
                                met boolean, paused boolean) RETURNS json
    LANGUAGE sql STABLE
    RETURN CASE WHEN target_min IS NULL THEN NULL ELSE json_build_object(
        'target_min', target_min, 'due_at', kt_ts(due), 'stopped_at', kt_ts(stopped),
        'met', CASE WHEN met IS NOT NULL THEN met
                    WHEN NOT paused AND due <= now() THEN false END,
        'state', CASE WHEN met THEN 'met' WHEN NOT met THEN 'breached'
                      WHEN paused THEN 'paused'
                      WHEN due <= now() THEN 'breached' ELSE 'running' END) END;

-- The clocks of a ticket and of a leg as the API shows them (NULL when the
-- agreement sets no target for the priority).
CREATE FUNCTION keten_ticket_sla(t tickets) RETURNS json
    LANGUAGE sql STABLE
    RETURN CASE WHEN coalesce(t.sla_response_min, t.sla_resolution_min) IS NULL THEN NULL
        ELSE json_build_object(
            'response', keten_sla_clock(t.sla_response_min, t.sla_response_due,
                                        t.sla_response_at, t.sla_response_met, t.sla_paused),
            'resolution', keten_sla_clock(t.sla_resolution_min, t.sla_resolution_due,
                                          t.sla_resolution_at, t.sla_resolution_met,
                                          t.sla_paused),
            'paused', t.sla_paused) END;

CREATE FUNCTION keten_leg_sla(l legs) RETURNS json
    LANGUAGE sql STABLE
    RETURN CASE WHEN coalesce(l.sla_ack_min, l.sla_resolve_min) IS NULL THEN NULL
        ELSE json_build_object(
            'contract', l.sla_contract->>'key',
            'acknowledge', keten_sla_clock(l.sla_ack_min, l.sla_ack_due, l.sla_ack_at,
                                           l.sla_ack_met, l.sla_paused),
            'resolve', keten_sla_clock(l.sla_resolve_min, l.sla_resolve_due,
                                       l.sla_resolve_at, l.sla_resolve_met, l.sla_paused),
            'paused', l.sla_paused) END;
