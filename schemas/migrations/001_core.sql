-- 001_core.sql - the walking skeleton's schema: customers, suppliers,
-- services with their versioned chain, tickets, legs, the timeline, the
-- outbox, API keys and seen inbound deliveries.

CREATE TABLE customers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key         text NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A supplier's secrets never live here: secret_ref names where the broker
-- reads them (env:NAME or file:/path).
CREATE TABLE suppliers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key         text NOT NULL UNIQUE,
    name        text NOT NULL,
    adapter     text NOT NULL,
    endpoint    text NOT NULL,
    secret_ref  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE services (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key           text NOT NULL UNIQUE,
    customer_id   uuid NOT NULL REFERENCES customers(id),
    name          text NOT NULL,
    chain_version integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Every version of a service's chain document stays readable.
CREATE TABLE chain_versions (
    service_id  uuid NOT NULL REFERENCES services(id),
    version     integer NOT NULL,
    document    jsonb NOT NULL,
    default_component text,      -- where a ticket naming no component goes
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, version)
);

-- The component tree of one chain version.
CREATE TABLE components (
    service_id    uuid NOT NULL REFERENCES services(id),
    chain_version integer NOT NULL,
    key           text NOT NULL,
    name          text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('hardware', 'system_software',
                      'network', 'application', 'data', 'facilities', 'people')),
    parent_key    text,
    supplier_id   uuid REFERENCES suppliers(id),
    PRIMARY KEY (service_id, chain_version, key),
    FOREIGN KEY (service_id, chain_version) REFERENCES chain_versions(service_id, version)
);

CREATE SEQUENCE ticket_number_incident;
CREATE SEQUENCE ticket_number_request;
CREATE SEQUENCE ticket_number_change;
CREATE SEQUENCE ticket_number_problem;

CREATE TABLE tickets (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number        text NOT NULL UNIQUE,
    type          text NOT NULL CHECK (type IN ('incident', 'request', 'change', 'problem')),
    customer_id   uuid NOT NULL REFERENCES customers(id),
    service_id    uuid NOT NULL REFERENCES services(id),
    chain_version integer NOT NULL,
    component_key text,
    summary       text NOT NULL,
    description   text NOT NULL,
    impact        smallint NOT NULL CHECK (impact BETWEEN 1 AND 3),
    urgency       smallint NOT NULL CHECK (urgency BETWEEN 1 AND 3),
    priority      smallint NOT NULL CHECK (priority BETWEEN 1 AND 5),
    status        text NOT NULL DEFAULT 'new',  -- the ticket's own (customer-side) status
    consolidated  text NOT NULL DEFAULT 'new',  -- what the customer sees
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (service_id, chain_version) REFERENCES chain_versions(service_id, version)
);
CREATE INDEX tickets_customer_idx ON tickets (customer_id, created_at DESC, id DESC);
CREATE INDEX tickets_created_idx ON tickets (created_at DESC, id DESC);

-- A leg with no supplier waits in the integrator's triage queue.
CREATE TABLE legs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id     uuid NOT NULL REFERENCES tickets(id),
    supplier_id   uuid REFERENCES suppliers(id),
    component_key text,
    status        text NOT NULL DEFAULT 'new',
    external_id   text,
    hops          integer NOT NULL DEFAULT 0,
    next_seq      bigint NOT NULL DEFAULT 1,   -- per-leg outbox sequence
    acknowledged  boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX legs_ticket_idx ON legs (ticket_id);
CREATE INDEX legs_supplier_idx ON legs (supplier_id, ticket_id);

-- The timeline: append-only. visibility says who may ever see the entry:
-- customer (everyone on the ticket), supplier (the leg's supplier and the
-- integrator), integrator (only the integrator).
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   uuid NOT NULL REFERENCES tickets(id),
    leg_id      uuid REFERENCES legs(id),
    kind        text NOT NULL,
    visibility  text NOT NULL CHECK (visibility IN ('customer', 'supplier', 'integrator')),
    actor       text NOT NULL,
    holder      text NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ticket_idx ON events (ticket_id, id);

-- Pending calls to suppliers, written in the transaction that caused them.
-- Claims set a lease; an outcome is written only while the lease token
-- still matches.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    leg_id          uuid NOT NULL REFERENCES legs(id),
    seq             bigint NOT NULL,
    operation       text NOT NULL CHECK (operation IN ('create', 'update', 'comment', 'resolve', 'cancel')),
    idempotency_key text NOT NULL UNIQUE,
    priority        smallint NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    due_at          timestamptz NOT NULL DEFAULT now(),
    lease_owner     text,
    lease_token     uuid,
    lease_until     timestamptz,
    outcome         jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (leg_id, seq)
);
CREATE INDEX outbox_due_idx ON outbox (priority, due_at) WHERE state = 'pending';

CREATE TABLE api_keys (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    hash        bytea NOT NULL UNIQUE,
    role        text NOT NULL CHECK (role IN ('integrator', 'customer', 'supplier')),
    customer_id uuid REFERENCES customers(id),
    supplier_id uuid REFERENCES suppliers(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);

-- Supplier deliveries already applied, shared by every broker process.
CREATE TABLE inbound_deliveries (
    supplier_id uuid NOT NULL REFERENCES suppliers(id),
    webhook_id  text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier_id, webhook_id)
);

-- RFC 3339 in UTC, as every API answer shows time.
CREATE FUNCTION kt_ts(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
