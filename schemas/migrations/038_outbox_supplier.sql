-- 038_outbox_supplier.sql - a message names its supplier, so that a claim
-- reads each supplier's backlog on its own (issue 10). The claim took the
-- most urgent pending messages of all suppliers through one index and
-- then skipped those of suppliers with no room (circuit open, calls in
-- flight at their limit): with the backlog of a supplier that was down
-- for a while, every claim walked through all of it to find the others'
-- messages (a claim with 196,000 messages queued for two full suppliers:
-- 660 ms, for nothing). Now it walks, per supplier with room, only as far
-- as that room. A leg's supplier never changes, so the copy cannot go
-- stale; a message without a leg (an SLA notification, migration 026) has
-- no supplier.
-- No foreign key of its own: the leg's holds the supplier, and another
-- key share lock per message on the supplier's row would be a hot spot.
ALTER TABLE outbox ADD COLUMN supplier_id uuid;

UPDATE outbox o SET supplier_id = l.supplier_id FROM legs l WHERE l.id = o.leg_id;

-- A node of the previous release, serving while this migration runs and
-- until it is replaced, queues its messages without the column, and its
-- intake queues a new leg's create before the leg is visible to the
-- statement: this fills the column from the leg at the statement's end
-- (as keten_audit_link_late links such a message), so every message of a
-- leg names its supplier once its statement is done. The broker names the
-- supplier itself, so for it the trigger never fires.
CREATE FUNCTION keten_outbox_supplier() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE outbox SET supplier_id = (SELECT l.supplier_id FROM legs l WHERE l.id = NEW.leg_id)
        WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_supplier_of_leg AFTER INSERT ON outbox
    FOR EACH ROW WHEN (NEW.supplier_id IS NULL AND NEW.leg_id IS NOT NULL)
    EXECUTE FUNCTION keten_outbox_supplier();

CREATE INDEX outbox_supplier_due_idx ON outbox (supplier_id, priority, due_at)
    WHERE state = 'pending';
