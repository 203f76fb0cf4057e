-- 004_delivery_budget.sql - the retry budget of an outbox message: when it
-- was first attempted (set by the first claim), and how long it waited on
-- a supplier's 429 Retry-After, which is not charged to the budget. The
-- budget used is now() - first_attempt_at - paused_ms.

ALTER TABLE outbox
    ADD COLUMN first_attempt_at timestamptz,
    ADD COLUMN paused_ms        bigint NOT NULL DEFAULT 0;
