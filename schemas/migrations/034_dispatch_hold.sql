-- 034_dispatch_hold.sql - after a restore, dispatch stays held until
-- `keten reconcile` ran (issue 16). One row: the database's own identity
-- (kept by pg_dump and by a base backup alike), a progress mark every
-- broker node moves and remembers in a file of its state_dir, and the
-- hold that every node's claims honour. A node that finds the mark behind
-- what it remembered, or another identity, sets the hold. epoch counts the
-- holds released: a node that was away while a restore was reconciled
-- adopts the database's mark instead of holding again.
CREATE TABLE keten_instance (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    mark        bigint NOT NULL DEFAULT 0,
    epoch       bigint NOT NULL DEFAULT 0,
    hold        text CHECK (hold IN ('restore', 'other_database')),
    hold_since  timestamptz,
    hold_detail jsonb,
    CHECK ((hold IS NULL) = (hold_since IS NULL))
);
INSERT INTO keten_instance DEFAULT VALUES;
