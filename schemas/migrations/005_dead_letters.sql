-- 005_dead_letters.sql - dead letters the integrator acts on: a message
-- may be discarded (it never goes out, and the later messages of its leg
-- flow), and every replay or discard keeps the outcome it replaced in the
-- message's history, oldest first.

ALTER TABLE outbox
    DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check
        CHECK (state IN ('pending', 'done', 'dead', 'discarded')),
    ADD COLUMN history jsonb NOT NULL DEFAULT '[]';

-- GET /v1/deliveries?state=dead, and the dead letters of one supplier.
CREATE INDEX outbox_dead_idx ON outbox (leg_id, seq) WHERE state = 'dead';
