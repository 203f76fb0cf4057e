-- The purge of remembered inbound delivery ids (inbound_retention_s) reads
-- the oldest first: an index on when they came keeps it a range scan.
CREATE INDEX inbound_deliveries_received_idx ON inbound_deliveries (received_at);
