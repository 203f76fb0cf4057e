-- 006_delivery_delayed.sql - a leg whose first delivery (its create) was
-- not confirmed in time for its priority is raised once: the time it was
-- raised, and a partial index that holds only the creates still pending,
-- for the dispatcher's sweep that finds them.

ALTER TABLE legs
    ADD COLUMN delivery_delayed_at timestamptz;

CREATE INDEX outbox_create_pending_idx ON outbox (created_at)
    WHERE operation = 'create' AND state = 'pending';
