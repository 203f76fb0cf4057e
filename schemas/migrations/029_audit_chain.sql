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
    prev      bytea,           -- the head before the last record
    head      bytea
);

-- One field of the canonical form: its length in bytes, a colon, the
-- bytes and a comma (a netstring); "~" for NULL.
CREATE FUNCTION keten_audit_ns(v text) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN v IS NULL THEN '~' ELSE octet_length(v)::text || ':' || v || ',' END;

-- A time in the canonical form: UTC with microseconds. These functions
-- are STABLE as to_char is, so that PostgreSQL inlines them (an
-- IMMUTABLE one over a STABLE body is called instead, at several times
-- the cost).
CREATE FUNCTION keten_audit_ts(t timestamptz) RETURNS text
    LANGUAGE sql STABLE STRICT
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

-- The canonical bytes of one record (see broker/model/audit_chain.h):
-- the version tag, its type ('event' or 'message'), its id, its ticket,
-- the previous hash in hex, then its fields in their fixed order. A field
-- appended later is written only when not NULL, as the C side leaves out
-- trailing NULL fields, so that the records written before it keep their
-- hashes.
CREATE FUNCTION keten_audit_head(kind text, id bigint, ticket uuid, prev bytea) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN keten_audit_ns('keten-audit-1') || keten_audit_ns(kind) || keten_audit_ns(id::text)
        || keten_audit_ns(ticket::text) || keten_audit_ns(encode(prev, 'hex'));

-- An event after prev: leg, kind, visibility, actor, holder, occurred and
-- recorded times, data.
CREATE FUNCTION keten_audit_event_bytes(e events, prev bytea) RETURNS bytea
    LANGUAGE sql STABLE
    RETURN convert_to(keten_audit_head('event', e.id, e.ticket_id, prev)
        || keten_audit_ns(e.leg_id::text) || keten_audit_ns(e.kind)
        || keten_audit_ns(e.visibility) || keten_audit_ns(e.actor) || keten_audit_ns(e.holder)
        || keten_audit_ns(keten_audit_ts(e.occurred_at))
        || keten_audit_ns(keten_audit_ts(e.recorded_at)) || keten_audit_ns(e.data::text), 'UTF8');

-- A message of ticket after prev: what it says and never changes (leg,
-- place in the leg, operation, idempotency key, payload, when queued),
-- not its delivery state, which the dispatcher updates.
CREATE FUNCTION keten_audit_message_bytes(o outbox, ticket uuid, prev bytea) RETURNS bytea
    LANGUAGE sql STABLE
    RETURN convert_to(keten_audit_head('message', o.id, ticket, prev)
        || keten_audit_ns(o.leg_id::text) || keten_audit_ns(o.seq::text)
        || keten_audit_ns(o.operation) || keten_audit_ns(o.idempotency_key)
        || keten_audit_ns(o.payload::text) || keten_audit_ns(keten_audit_ts(o.created_at)), 'UTF8');

-- Links a new record to its ticket's chain: takes the head's row lock,
-- hashes the record after the head and moves the head to it.
CREATE FUNCTION keten_audit_link() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    t uuid;
BEGIN
    IF TG_TABLE_NAME = 'events' THEN
        t := NEW.ticket_id;
        -- The ticket first, as the event's foreign key locks it at the end
        -- of the statement anyway: a transaction holding the ticket's lock
        -- (kt_store_ticket_lock) never waits below for a head that one
        -- without it (the SLA alert sweep, which writes only events) holds,
        -- so the heads add no deadlock. Messages are only ever queued under
        -- the ticket's lock.
        PERFORM 1 FROM tickets k WHERE k.id = t FOR KEY SHARE;
        UPDATE audit_heads h SET seq = h.seq + 1, prev = h.head,
            head = sha256(keten_audit_event_bytes(NEW, h.head))
            WHERE h.ticket_id = t
            RETURNING h.seq, h.prev, h.head INTO NEW.chain_seq, NEW.chain_prev, NEW.chain_hash;
        IF NOT FOUND THEN
            INSERT INTO audit_heads AS h (ticket_id, seq, prev, head)
                VALUES (t, 1, NULL, sha256(keten_audit_event_bytes(NEW, NULL)))
                ON CONFLICT (ticket_id) DO UPDATE SET seq = h.seq + 1, prev = h.head,
                    head = sha256(keten_audit_event_bytes(NEW, h.head))
                RETURNING h.seq, h.prev, h.head INTO NEW.chain_seq, NEW.chain_prev, NEW.chain_hash;
        END IF;
    ELSE
        -- The leg is inserted before its message, even in one statement
        -- (store/row_outbox.h KT_STORE_OUTBOX_CREATES).
        SELECT l.ticket_id INTO t FROM legs l WHERE l.id = NEW.leg_id;
        IF t IS NULL THEN
            RAISE EXCEPTION 'audit trail: message % is of leg %, which is not there yet',
                NEW.id, NEW.leg_id;
        END IF;
        UPDATE audit_heads h SET seq = h.seq + 1, prev = h.head,
            head = sha256(keten_audit_message_bytes(NEW, t, h.head))
            WHERE h.ticket_id = t
            RETURNING h.seq, h.prev, h.head INTO NEW.chain_seq, NEW.chain_prev, NEW.chain_hash;
        IF NOT FOUND THEN
            INSERT INTO audit_heads AS h (ticket_id, seq, prev, head)
                VALUES (t, 1, NULL, sha256(keten_audit_message_bytes(NEW, t, NULL)))
                ON CONFLICT (ticket_id) DO UPDATE SET seq = h.seq + 1, prev = h.head,
                    head = sha256(keten_audit_message_bytes(NEW, t, h.head))
                RETURNING h.seq, h.prev, h.head INTO NEW.chain_seq, NEW.chain_prev, NEW.chain_hash;
        END IF;
    END IF;
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
    lp bytea;
    p bytea;
    h bytea;
BEGIN
    FOR r IN
        SELECT 'event' AS kind, e.id, e.ticket_id, e.recorded_at AS at
        FROM events e
        UNION ALL
        SELECT 'message', o.id, l.ticket_id, o.created_at
        FROM outbox o JOIN legs l ON l.id = o.leg_id
        ORDER BY ticket_id, at, kind, id
    LOOP
        IF cur IS DISTINCT FROM r.ticket_id THEN
            IF cur IS NOT NULL THEN
                INSERT INTO audit_heads (ticket_id, seq, prev, head) VALUES (cur, s, lp, p);
            END IF;
            cur := r.ticket_id;
            s := 0;
            p := NULL;
        END IF;
        s := s + 1;
        IF r.kind = 'event' THEN
            UPDATE events e SET chain_seq = s, chain_prev = p,
                chain_hash = sha256(keten_audit_event_bytes(e, p))
                WHERE e.id = r.id RETURNING e.chain_hash INTO h;
        ELSE
            UPDATE outbox o SET chain_seq = s, chain_prev = p,
                chain_hash = sha256(keten_audit_message_bytes(o, r.ticket_id, p))
                WHERE o.id = r.id RETURNING o.chain_hash INTO h;
        END IF;
        lp := p;
        p := h;
    END LOOP;
    IF cur IS NOT NULL THEN
        INSERT INTO audit_heads (ticket_id, seq, prev, head) VALUES (cur, s, lp, p);
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
