-- 003_leg_order.sql - the order of a supplier's updates of one leg follows
-- the supplier's own clock: each leg remembers the time of the last update
-- applied to it, and which inbound delivery that was.

-- supplier_time: the update's occurred_at, or its arrival when it gave
-- none; NULL until the supplier's first update. An update older than this
-- is stale. last_webhook_id: the webhook-id of that delivery.
ALTER TABLE legs
    ADD COLUMN supplier_time   timestamptz,
    ADD COLUMN last_webhook_id text;
