-- 029_audit_chain.sql - the tamper-evident trail (issue 14): every
-- timeline event and every outbox message of a ticket is chained by
-- SHA-256 in the order it was written. Each record keeps its place
-- (chain_seq, 1..n per ticket), the hash of the record before it
-- (chain_prev, NULL for the first) and its own hash (chain_hash);
-- audit_heads keeps each ticket's last place and hash. The hash is
-- computed by a trigger in the statement that inserts the row, so no
-- insert statement and no round trip changes. The bytes hashed are the
-- canonical form of broker/model/audit_chain.h, which `keten audit
-- verify` recomputes in C; the two must stay byte for byte the same.

ALTER TABLE events
    ADD COLUMN chain_seq  bigint,
    ADD COLUMN chain_prev bytea,
    ADD COLUMN chain_hash bytea;

ALTER TABLE outbox
    ADD COLUMN chain_seq  bigint,
    ADD COLUMN chain_prev bytea,
    ADD COLUMN chain_hash bytea;

-- One row per ticket with a chain: its last place and hash. The row is
-- locked by every insert into the chain, so two transactions adding to
-- one ticket's chain at once queue here and can never fork it (every path
-- but the SLA alert sweep's holds the ticket's lock already).
CREATE TABLE audit_heads (
    ticket_id uuid PRIMARY KEY,
    seq       bigint NOT NULL,
    head      bytea
);

-- One field of the canonical form: its length in bytes, a colon, the
-- bytes and a comma (a netstring); "~" for NULL.
CREATE FUNCTION keten_audit_ns(v text) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN v IS NULL THEN '~' ELSE octet_length(v)::text || ':' || v || ',' END;

-- A time in the canonical form: UTC with microseconds.
CREATE FUNCTION keten_audit_ts(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

-- The canonical bytes of one record (see broker/model/audit_chain.h):
-- the version tag, its type ('event' or 'message'), its id, its ticket,
-- the previous hash in hex, then its fields in their fixed order up to
-- the last that is not NULL (so a nullable column appended to the fields
-- later leaves every record written before it as it was).
CREATE FUNCTION keten_audit_bytes(kind text, id bigint, ticket uuid, prev bytea,
                                  VARIADIC f text[]) RETURNS bytea
    LANGUAGE sql IMMUTABLE
    RETURN convert_to(keten_audit_ns('keten-audit-1') || keten_audit_ns(kind)
        || keten_audit_ns(id::text) || keten_audit_ns(ticket::text)
        || keten_audit_ns(encode(prev, 'hex'))
        || (SELECT coalesce(string_agg(keten_audit_ns(x), '' ORDER BY n), '')
            FROM unnest(f) WITH ORDINALITY AS u(x, n)
            WHERE n <= (SELECT coalesce(max(m), 0) FROM unnest(f) WITH ORDINALITY AS v(y, m)
                        WHERE y IS NOT NULL)), 'UTF8');

-- The fields of an event and of a message, in canonical order. A message
-- is covered by what it says and never changes (leg, place in the leg,
-- operation, idempotency key, payload, when queued), not by its delivery
-- state, which the dispatcher updates.
CREATE FUNCTION keten_audit_event_fields(e events) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    RETURN ARRAY[e.leg_id::text, e.kind, e.visibility, e.actor, e.holder,
                 keten_audit_ts(e.occurred_at), keten_audit_ts(e.recorded_at), e.data::text];

CREATE FUNCTION keten_audit_message_fields(o outbox) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    RETURN ARRAY[o.leg_id::text, o.seq::text, o.operation, o.idempotency_key,
                 o.payload::text, keten_audit_ts(o.created_at)];

-- Links a new record to its ticket's chain: takes the head's row lock,
-- hashes the record after the head and moves the head to it.
CREATE FUNCTION keten_audit_link() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    t uuid;
    s bigint;
    p bytea;
    f text[];
    kind text;
BEGIN
    IF TG_TABLE_NAME = 'events' THEN
        kind := 'event';
        t := NEW.ticket_id;
        f := keten_audit_event_fields(NEW);
        -- The ticket first, as the event's foreign key locks it at the end
        -- of the statement anyway: a transaction holding the ticket's lock
        -- (kt_store_ticket_lock) never waits below for a head that one
        -- without it (the SLA alert sweep, which writes only events) holds,
        -- so the heads add no deadlock. Messages are only ever queued under
        -- the ticket's lock.
        PERFORM 1 FROM tickets k WHERE k.id = t FOR KEY SHARE;
    ELSE
        kind := 'message';
        -- The leg is inserted before its message, even in one statement
        -- (store/row_outbox.h KT_STORE_OUTBOX_CREATES).
        SELECT l.ticket_id INTO t FROM legs l WHERE l.id = NEW.leg_id;
        IF t IS NULL THEN
            RAISE EXCEPTION 'audit trail: message % is of leg %, which is not there yet',
                NEW.id, NEW.leg_id;
        END IF;
        f := keten_audit_message_fields(NEW);
    END IF;
    SELECT h.seq, h.head INTO s, p FROM audit_heads h WHERE h.ticket_id = t FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_heads (ticket_id, seq, head) VALUES (t, 0, NULL)
            ON CONFLICT (ticket_id) DO NOTHING;
        SELECT h.seq, h.head INTO s, p FROM audit_heads h WHERE h.ticket_id = t FOR UPDATE;
    END IF;
    NEW.chain_seq := s + 1;
    NEW.chain_prev := p;
    NEW.chain_hash := sha256(keten_audit_bytes(kind, NEW.id, t, p, VARIADIC f));
    UPDATE audit_heads SET seq = NEW.chain_seq, head = NEW.chain_hash WHERE ticket_id = t;
    RETURN NEW;
END $$;

-- The records written before this migration get a chain too, per ticket
-- in the order they were written (time, events before messages of the
-- same instant, then id).
DO $$
DECLARE
    r record;
    cur uuid;
    s bigint := 0;
    p bytea;
    h bytea;
BEGIN
    FOR r IN
        SELECT 'event' AS kind, e.id, e.ticket_id, e.recorded_at AS at,
               keten_audit_event_fields(e) AS f
        FROM events e
        UNION ALL
        SELECT 'message', o.id, l.ticket_id, o.created_at, keten_audit_message_fields(o)
        FROM outbox o JOIN legs l ON l.id = o.leg_id
        ORDER BY ticket_id, at, kind, id
    LOOP
        IF cur IS DISTINCT FROM r.ticket_id THEN
            IF cur IS NOT NULL THEN
                INSERT INTO audit_heads (ticket_id, seq, head) VALUES (cur, s, p);
            END IF;
            cur := r.ticket_id;
            s := 0;
            p := NULL;
        END IF;
        s := s + 1;
        h := sha256(keten_audit_bytes(r.kind, r.id, r.ticket_id, p, VARIADIC r.f));
        IF r.kind = 'event' THEN
            UPDATE events SET chain_seq = s, chain_prev = p, chain_hash = h WHERE id = r.id;
        ELSE
            UPDATE outbox SET chain_seq = s, chain_prev = p, chain_hash = h WHERE id = r.id;
        END IF;
        p := h;
    END LOOP;
    IF cur IS NOT NULL THEN
        INSERT INTO audit_heads (ticket_id, seq, head) VALUES (cur, s, p);
    END IF;
END $$;

-- A record written with the trigger switched off (session_replication_role)
-- is refused rather than left out of the chain.
ALTER TABLE events
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN chain_hash SET NOT NULL;
ALTER TABLE outbox
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN chain_hash SET NOT NULL;


CREATE TRIGGER events_audit_link BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION keten_audit_link();
CREATE TRIGGER outbox_audit_link BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION keten_audit_link();
