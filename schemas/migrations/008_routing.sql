-- 008_routing.sql - routing by category and configuration item, routing
-- by hand, cancelling and supplier rejections: what a ticket was filed
-- under, how often it was re-routed, whether it waits on the integrator
-- after an escalation, and how and when the broker ended each leg.

-- hops: re-routings of the ticket (by hand or after a rejection); the
-- first routing is hop 0. escalated_at: set when a re-routing was refused
-- (a supplier that already rejected the ticket, or the hop limit), cleared
-- when the integrator routes the ticket or it is cancelled.
ALTER TABLE tickets
    ADD COLUMN category     text,
    ADD COLUMN ci           text,
    ADD COLUMN hops         integer NOT NULL DEFAULT 0,
    ADD COLUMN escalated_at timestamptz;

-- ended: why the broker ended the leg (NULL while it did not): withdrawn
-- (routed away by hand), rejected (its supplier said "not ours"),
-- cancelled (the ticket was cancelled), routed (a triage leg closed
-- because the ticket was routed). Later updates of an ended leg are stale.
ALTER TABLE legs
    ADD COLUMN ended    text CHECK (ended IN ('withdrawn', 'rejected', 'cancelled', 'routed')),
    ADD COLUMN ended_at timestamptz,
    ADD CHECK ((ended IS NULL) = (ended_at IS NULL));

-- GET /v1/tickets?state=escalated
CREATE INDEX tickets_escalated_idx ON tickets (created_at DESC, id DESC)
    WHERE escalated_at IS NOT NULL;
