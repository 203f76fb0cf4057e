-- 028_key_lifecycle.sql - an API key's life (issue 14): a name for people,
-- an optional expiry, its revocation, and when it was last used (updated
-- coarsely by the lookup that finds it, not on every request).
ALTER TABLE api_keys
    ADD COLUMN name         text NOT NULL DEFAULT '',
    ADD COLUMN expires_at   timestamptz,
    ADD COLUMN revoked_at   timestamptz,
    ADD COLUMN last_used_at timestamptz;

-- The API key whose request recorded each timeline entry (NULL: the
-- broker's own work, or a supplier's signed push). No foreign key: the
-- record outlives the key.
ALTER TABLE events ADD COLUMN key_id uuid;
