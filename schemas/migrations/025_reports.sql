-- 025_reports.sql - what the service and supplier reports (issue 13,
-- README "SLA and reports") read: every call to a supplier's API with how
-- it ended, and indexes that keep a report over a year of tickets a few
-- range scans.

-- One row per attempt of an outbox message whose outcome was recorded:
-- the supplier, when, the outcome's kind (delivered, not_sent, ambiguous,
-- retryable, permanent) and the HTTP status when an answer came. Written
-- by the trigger below, so the dispatcher's statements stay as they are;
-- the supplier scorecard's error and 429 rates count these rows.
CREATE TABLE supplier_calls (
    supplier_id uuid NOT NULL REFERENCES suppliers(id),
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL,
    http_status integer
);
CREATE INDEX supplier_calls_idx ON supplier_calls (supplier_id, at);

-- An outcome is recorded (store/tx_outbox.c, update_batch) when a leased
-- message gives its lease back with credited_until moved to the
-- transaction's now(); releases that record no attempt (a discard, a
-- replay, a claim given back unsent) leave credited_until as it was.
CREATE FUNCTION keten_supplier_call() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO supplier_calls (supplier_id, kind, http_status)
        SELECT l.supplier_id, NEW.outcome->>'kind', (NEW.outcome->>'http_status')::integer
        FROM legs l WHERE l.id = NEW.leg_id AND l.supplier_id IS NOT NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_supplier_call AFTER UPDATE ON outbox FOR EACH ROW
    WHEN (OLD.lease_token IS NOT NULL AND NEW.lease_token IS NULL AND NEW.outcome IS NOT NULL
          AND NEW.credited_until IS DISTINCT FROM OLD.credited_until)
    EXECUTE FUNCTION keten_supplier_call();

-- A service's tickets by creation (compliance) and by priority (the
-- outage candidates: few tickets of a few priorities), and a supplier's
-- legs by creation (its scorecard).
CREATE INDEX tickets_service_created_idx ON tickets (service_id, created_at);
CREATE INDEX tickets_service_priority_idx ON tickets (service_id, priority, created_at);
CREATE INDEX legs_supplier_created_idx ON legs (supplier_id, created_at);

-- The timeline entries a scorecard reads per leg, each a small index of
-- its own (read without the table once vacuumed): the acknowledgement
-- and its time, and the reopens.
CREATE INDEX events_leg_ack_idx ON events (leg_id) INCLUDE (occurred_at)
    WHERE kind = 'acknowledged';
CREATE INDEX events_leg_reopened_idx ON events (leg_id) WHERE kind = 'leg_reopened';

-- The tickets whose resolution target was breached, by creation: the
-- attribution of a supplier's scorecard.
CREATE INDEX tickets_breached_idx ON tickets (created_at) WHERE sla_held ? 'breach';
