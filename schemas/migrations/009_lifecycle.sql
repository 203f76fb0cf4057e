-- 009_lifecycle.sql - resolution confirmation and comments: when a ticket
-- last became resolved (the auto-close sweep reads it) and was closed,
-- and what an outbox message carries beyond the leg's view (a comment
-- with its origin marker, a reopen reason), which the echo check of
-- supplier comments also reads.

-- resolved_at: set when the consolidated status becomes resolved, NULL
-- again when it leaves resolved for anything but closed.
ALTER TABLE tickets
    ADD COLUMN resolved_at timestamptz,
    ADD COLUMN closed_at   timestamptz;

UPDATE tickets SET resolved_at = updated_at WHERE consolidated = 'resolved';

-- The sweep's candidates: only tickets waiting for confirmation.
CREATE INDEX tickets_resolved_idx ON tickets (resolved_at) WHERE consolidated = 'resolved';

-- payload: NULL, or an object whose members the adapter adds to the
-- message: {"comment": {"text", "author", "origin"}}, {"reopen": {"reason"}}.
ALTER TABLE outbox
    ADD COLUMN payload jsonb;
