-- 002_idempotency.sql - the answers of creating POSTs that carried an
-- Idempotency-Key, kept per caller (the API key's id) and key so that a
-- retry gets the original answer instead of a second ticket. Written in
-- the same transaction as what the request created; purged after
-- idempotency_ttl_s by the broker in small batches.

CREATE TABLE idempotency_keys (
    scope         text NOT NULL,            -- the caller: its API key's id
    key           text NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
    target        text NOT NULL,            -- the request: "POST /v1/tickets"
    request_hash  bytea NOT NULL,           -- SHA-256 of the raw request body
    status        smallint NOT NULL CHECK (status BETWEEN 200 AND 299),
    body          text NOT NULL,            -- the answer exactly as first sent
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
