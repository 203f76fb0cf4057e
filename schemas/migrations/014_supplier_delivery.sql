-- 014_supplier_delivery.sql - a supplier's own delivery limits (issue 4:
-- the dispatcher's limits are per supplier). delivery: the chain
-- document's {"max_inflight", "connect_timeout_ms", "timeout_ms",
-- "low_speed_bytes", "low_speed_time_s", "max_response_bytes",
-- "retry_budget_s", "search_lag_ms"} as given, each optional; a member left
-- out is the node's setting supplier_<name>.
ALTER TABLE suppliers
    ADD COLUMN delivery jsonb NOT NULL DEFAULT '{}';
