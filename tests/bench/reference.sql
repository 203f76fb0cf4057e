-- reference.sql - the schema of `make bench`'s fixed reference (issue 10):
-- the least a durable intake must write, with none of Keten's schema. It is
-- created in a database of its own (keten_ref) in the bench's cluster and
-- driven by reference.pgbench. A ticket row of about 1 KB with the usual
-- keys and indexes, an outbox row pointing at it, and a counter per
-- customer (1,000 of them, as Keten's per-leg counters: no hot row).
CREATE TABLE ref_customers (
    id      integer PRIMARY KEY,
    tickets bigint NOT NULL DEFAULT 0
);
INSERT INTO ref_customers (id) SELECT generate_series(1, 1000);
CREATE TABLE ref_tickets (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number      bigint NOT NULL UNIQUE,
    customer_id integer NOT NULL REFERENCES ref_customers(id),
    summary     text NOT NULL,
    description text NOT NULL,
    priority    smallint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ref_tickets_customer_idx ON ref_tickets (customer_id, created_at DESC);
CREATE SEQUENCE ref_ticket_number;
CREATE TABLE ref_outbox (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id uuid NOT NULL REFERENCES ref_tickets(id),
    state     text NOT NULL DEFAULT 'pending',
    priority  smallint NOT NULL,
    due_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ref_outbox_due_idx ON ref_outbox (priority, due_at) WHERE state = 'pending';
