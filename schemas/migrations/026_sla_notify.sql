-- 026_sla_notify.sql - SLA warnings and breaches notified to the
-- integrator's own webhook (issue 13), through the outbox. An outbox
-- message now has one of two targets: a leg (every message so far:
-- leg_id, per-leg seq, the supplier's adapter) or, for operation
-- 'notify', the webhook a service's SLA names (sla.notify: {endpoint,
-- secret_ref}, of the service's current chain version), kept in target
-- with the ticket it is about. Every statement of the supplier path joins
-- legs on leg_id, so it never sees a notification; notifications have
-- their own claim (outbox_notify_due_idx) on their own timer. The
-- message is queued by a trigger on sla_alerts in the transaction that
-- records the alert, and only when it recorded it: one message per ticket, leg,
-- clock, level and target however many nodes sweep, whose idempotency
-- key is the stable webhook-id of every attempt. Additive for nodes of
-- the release before: their statements join legs and their rows (a leg,
-- no ticket_id, no target) pass the new check.
ALTER TABLE outbox
    ALTER COLUMN leg_id DROP NOT NULL,
    ADD COLUMN ticket_id uuid REFERENCES tickets(id),
    ADD COLUMN target    jsonb,
    DROP CONSTRAINT outbox_operation_check,
    ADD CONSTRAINT outbox_operation_check
        CHECK (operation IN ('create', 'update', 'comment', 'resolve', 'cancel', 'notify')),
    ADD CONSTRAINT outbox_target_check
        CHECK (CASE WHEN operation = 'notify'
                    THEN leg_id IS NULL AND ticket_id IS NOT NULL AND target IS NOT NULL
                         AND payload IS NOT NULL
                    ELSE leg_id IS NOT NULL AND ticket_id IS NULL AND target IS NULL END);

CREATE INDEX outbox_notify_due_idx ON outbox (due_at)
    WHERE state = 'pending' AND leg_id IS NULL;

-- The notification of one alert, when the service's current chain version
-- asks for them: Standard Webhooks' {type, timestamp, data}. Queued at
-- most once (the idempotency key is unique).
CREATE FUNCTION keten_sla_notify(t uuid, l uuid, clk text, lvl text, target integer,
                                 at_ timestamptz) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO outbox (leg_id, ticket_id, seq, operation, idempotency_key, priority, payload,
                        target)
    SELECT NULL, tk.id, 0, 'notify',
           'sla_' || tk.id || '_' || coalesce(l::text, 'ticket') || '_' || clk || '_' || lvl
               || '_' || target,
           tk.priority,
           jsonb_build_object(
               'type', 'sla.' || lvl,
               'timestamp', kt_ts(at_),
               'data', jsonb_build_object(
                   'ticket_id', tk.id, 'ticket_number', tk.number, 'ticket_type', tk.type,
                   'priority', tk.priority, 'service', s.key, 'customer', c.key,
                   'clock', clk, 'level', lvl, 'target_min', target, 'at', kt_ts(at_),
                   'leg_id', l, 'supplier', sp.key)),
           jsonb_build_object('endpoint', cv.sla -> 'notify' ->> 'endpoint',
                              'secret_ref', cv.sla -> 'notify' ->> 'secret_ref',
                              'allow_addresses', cv.sla -> 'notify' -> 'allow_addresses')
    FROM tickets tk
    JOIN services s ON s.id = tk.service_id
    JOIN customers c ON c.id = s.customer_id
    JOIN chain_versions cv ON cv.service_id = s.id AND cv.version = s.chain_version
    LEFT JOIN legs lg ON lg.id = l
    LEFT JOIN suppliers sp ON sp.id = lg.supplier_id
    WHERE tk.id = t AND jsonb_typeof(cv.sla -> 'notify') = 'object'
    ON CONFLICT (idempotency_key) DO NOTHING
$$;

-- Each alert row inserted (keten_sla_alert of migration 020 inserts it
-- only when it is new: ON CONFLICT DO NOTHING fires no AFTER INSERT
-- trigger) queues its notification in the same transaction.
CREATE FUNCTION keten_sla_alert_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM keten_sla_notify(NEW.ticket_id, NEW.leg_id, NEW.clock, NEW.level, NEW.target_min,
                             NEW.at);
    RETURN NULL;
END $$;

CREATE TRIGGER sla_alerts_notify AFTER INSERT ON sla_alerts
    FOR EACH ROW EXECUTE FUNCTION keten_sla_alert_notify();
