-- 017_adapter_v2.sql - adapter interface v2 (issue 11). A supplier's
-- auth (how Keten authenticates to it: {"kind", ...}, secrets through
-- secret_ref), inbound (how its pushes are checked: {"secret_ref"?,
-- "username"?}) and poll ({"interval_ms", "overlap_ms"?, "page_size"?};
-- NULL: not polled), as its chain document entry gives them. An outbox
-- message's step and the state the previous step kept, so that a crash
-- between the steps of one operation resumes at the step it reached.
ALTER TABLE suppliers
    ADD COLUMN auth    jsonb NOT NULL DEFAULT '{"kind": "standard-webhooks"}',
    ADD COLUMN inbound jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN poll    jsonb;

ALTER TABLE outbox
    ADD COLUMN step       integer NOT NULL DEFAULT 0 CHECK (step >= 0),
    ADD COLUMN step_state jsonb;

-- An update that names only the supplier's own id (a polled record, a
-- journal entry) finds its leg by it.
CREATE INDEX legs_external_idx ON legs (supplier_id, external_id);

-- The ticket types a supplier's adapter takes with its mapping (NULL:
-- every type), set at chain import: a ticket of another type is refused
-- when it is routed to the supplier, never sent to the wrong entry.
ALTER TABLE suppliers ADD COLUMN ticket_types text[];
