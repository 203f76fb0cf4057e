-- 016_outbox_credited.sql - the credit of open circuits, once per instant
-- (issue 9, bug 2): with several nodes each node's breaker ended its own
-- open period and credited it to every pending message of the supplier, so
-- the same wait was credited once per node. credited_until: the instant up
-- to which the message's wait was credited, or its last outcome was
-- recorded; a credit covers only the time after it.
ALTER TABLE outbox
    ADD COLUMN credited_until timestamptz;
