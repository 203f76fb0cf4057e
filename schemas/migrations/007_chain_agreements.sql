-- 007_chain_agreements.sql - the agreements and settings of the chain
-- document (issue 3): each supplier's visibility settings, adapter mapping
-- data and underpinning contracts; each component's contract, alternate
-- suppliers and configuration items; each chain version's customer SLA and
-- routing rules. Documents are stored as the chain document gives them.

-- visibility: may a customer see this supplier's name, its public comments.
-- contracts: [{"key", "name", "targets": {"p1": {"acknowledge_min",
-- "resolve_min"}, ...}}], the supplier's UCs.
ALTER TABLE suppliers
    ADD COLUMN visibility jsonb NOT NULL
        DEFAULT '{"name_to_customer": true, "public_comments_to_customer": true}',
    ADD COLUMN mapping    jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN contracts  jsonb NOT NULL DEFAULT '[]';

-- contract: a key of the supplier's contracts, or NULL. alternates: where a
-- rejected leg goes next, in order (supplier ids). items: CI names, unique
-- within a service's chain version.
ALTER TABLE components
    ADD COLUMN contract   text,
    ADD COLUMN alternates uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN items      text[] NOT NULL DEFAULT '{}';

-- sla: the customer SLA of the service (NULL when the document has none).
-- rules: the routing rules, [{"type"?, "category"?, "component"}], in
-- document order.
ALTER TABLE chain_versions
    ADD COLUMN sla   jsonb,
    ADD COLUMN rules jsonb NOT NULL DEFAULT '[]';
