-- 020_sla_alerts.sql - the warnings (at the agreement's warning_pct of a
-- target, default 75%) and breaches (at 100%) of the SLA clocks of
-- migration 019, each recorded once: a row here per ticket, leg (NULL: the
-- ticket's own clock), clock, level and target. The sweep of every broker
-- node inserts with ON CONFLICT DO NOTHING and adds the timeline event only
-- for the rows it inserted, so two nodes, a restart or a second sweep
-- never record one twice; a priority change to another target may warn
-- and breach again against the new target.
CREATE TABLE sla_alerts (
    ticket_id   uuid NOT NULL REFERENCES tickets(id),
    leg_id      uuid REFERENCES legs(id),
    clock       text NOT NULL CHECK (clock IN ('response', 'resolution', 'acknowledge', 'resolve')),
    level       text NOT NULL CHECK (level IN ('warning', 'breach')),
    target_min  integer NOT NULL,
    at          timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sla_alerts_once_idx ON sla_alerts
    (ticket_id, coalesce(leg_id, '00000000-0000-0000-0000-000000000000'), clock, level, target_min);

-- Clocks still running, by the instant of their next alert, for the sweep.
CREATE INDEX tickets_sla_response_open_idx ON tickets (sla_response_warn)
    WHERE sla_response_met IS NULL AND sla_response_warn IS NOT NULL;
CREATE INDEX tickets_sla_resolution_open_idx ON tickets (sla_resolution_warn)
    WHERE sla_resolution_met IS NULL AND sla_resolution_warn IS NOT NULL;
CREATE INDEX legs_sla_ack_open_idx ON legs (sla_ack_warn)
    WHERE sla_ack_met IS NULL AND sla_ack_warn IS NOT NULL;
CREATE INDEX legs_sla_resolve_open_idx ON legs (sla_resolve_warn)
    WHERE sla_resolve_met IS NULL AND sla_resolve_warn IS NOT NULL;

-- Records one alert once: its row, and when that is new, an
-- integrator-only timeline event (sla_warning or sla_breached, at the
-- instant the share was reached, the ticket's current holder kept).
-- Returns 1 when it recorded it, 0 when it was recorded before.
CREATE FUNCTION keten_sla_alert(t uuid, l uuid, clk text, lvl text, target integer,
                                at_ timestamptz) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    who text;
BEGIN
    INSERT INTO sla_alerts (ticket_id, leg_id, clock, level, target_min, at)
        VALUES (t, l, clk, lvl, target, at_) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    SELECT e.holder INTO who FROM events e WHERE e.ticket_id = t ORDER BY e.id DESC LIMIT 1;
    INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder, occurred_at, data)
        VALUES (t, l, CASE lvl WHEN 'warning' THEN 'sla_warning' ELSE 'sla_breached' END,
                'integrator', 'system', coalesce(who, 'integrator'), at_,
                jsonb_build_object('clock', clk, 'target_min', target, 'at', kt_ts(at_)));
    RETURN 1;
END $$;

-- Every clock's alerts that are due and not yet recorded, of ticket
-- only_ticket (NULL: of running clocks of every ticket, through the
-- partial indexes above), at most lim of them, recorded; returns how
-- many. A warning is due once the warning instant passed before the clock
-- stopped (or now, while it runs); a breach once a running clock is past
-- its due time, or it stopped late.
CREATE FUNCTION keten_sla_alerts(only_ticket uuid, lim integer) RETURNS integer
    LANGUAGE sql AS $$
    SELECT coalesce(sum(keten_sla_alert(c.ticket_id, c.leg_id, c.clock, c.level, c.target, c.at)), 0)::integer
    FROM (
        SELECT c.* FROM (
            SELECT t.id AS ticket_id, NULL::uuid AS leg_id, x.*
            FROM tickets t, LATERAL (VALUES
                ('response', 'warning', t.sla_response_min, t.sla_response_warn,
                 t.sla_response_at, t.sla_response_met),
                ('response', 'breach', t.sla_response_min, t.sla_response_due,
                 t.sla_response_at, t.sla_response_met),
                ('resolution', 'warning', t.sla_resolution_min, t.sla_resolution_warn,
                 t.sla_resolution_at, t.sla_resolution_met),
                ('resolution', 'breach', t.sla_resolution_min, t.sla_resolution_due,
                 t.sla_resolution_at, t.sla_resolution_met)
            ) x(clock, level, target, at, stopped, met)
            WHERE CASE WHEN only_ticket IS NULL
                       THEN (t.sla_response_met IS NULL AND t.sla_response_warn <= now())
                         OR (t.sla_resolution_met IS NULL AND t.sla_resolution_warn <= now())
                       ELSE t.id = only_ticket END
            UNION ALL
            SELECT l.ticket_id, l.id, x.*
            FROM legs l, LATERAL (VALUES
                ('acknowledge', 'warning', l.sla_ack_min, l.sla_ack_warn, l.sla_ack_at, l.sla_ack_met),
                ('acknowledge', 'breach', l.sla_ack_min, l.sla_ack_due, l.sla_ack_at, l.sla_ack_met),
                ('resolve', 'warning', l.sla_resolve_min, l.sla_resolve_warn, l.sla_resolve_at,
                 l.sla_resolve_met),
                ('resolve', 'breach', l.sla_resolve_min, l.sla_resolve_due, l.sla_resolve_at,
                 l.sla_resolve_met)
            ) x(clock, level, target, at, stopped, met)
            WHERE CASE WHEN only_ticket IS NULL
                       THEN (l.sla_ack_met IS NULL AND l.sla_ack_warn <= now())
                         OR (l.sla_resolve_met IS NULL AND l.sla_resolve_warn <= now())
                       ELSE l.ticket_id = only_ticket END
        ) c
        WHERE c.target IS NOT NULL AND c.at IS NOT NULL
          AND CASE WHEN c.level = 'warning'
                   THEN (c.stopped IS NULL AND c.at <= now()) OR c.at < c.stopped
                   ELSE (c.met IS NULL AND c.at <= now()) OR NOT c.met END
          AND NOT EXISTS (SELECT 1 FROM sla_alerts a WHERE a.ticket_id = c.ticket_id
              AND a.leg_id IS NOT DISTINCT FROM c.leg_id AND a.clock = c.clock
              AND a.level = c.level AND a.target_min = c.target)
        ORDER BY c.at
        LIMIT lim
    ) c
$$;
