-- 029_audit_chain.sql - the tamper-evident trail (issue 14): every
-- timeline event and every outbox message of a ticket is chained by
-- SHA-256 in the order it was written. Each record keeps its place
-- (chain_seq, 1..n per ticket), the hash of the record before it
-- (chain_prev, NULL for the first) and its own hash (chain_hash);
-- audit_heads keeps each ticket's last place and hash. The hash is
-- computed by a trigger in the statement that inserts the row, so no
-- round trip is added. The bytes hashed are the
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
-- SLA notifications are read per ticket by `keten audit verify`.
CREATE INDEX outbox_ticket_idx ON outbox (ticket_id) WHERE ticket_id IS NOT NULL;

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
-- recorded times, data, and the API key whose request wrote it (written
-- only when there is one: migration 028's column, a trailing field).
CREATE FUNCTION keten_audit_event_bytes(e events, prev bytea) RETURNS bytea
    LANGUAGE sql STABLE
    RETURN convert_to(keten_audit_head('event', e.id, e.ticket_id, prev)
        || keten_audit_ns(e.leg_id::text) || keten_audit_ns(e.kind)
        || keten_audit_ns(e.visibility) || keten_audit_ns(e.actor) || keten_audit_ns(e.holder)
        || keten_audit_ns(keten_audit_ts(e.occurred_at))
        || keten_audit_ns(keten_audit_ts(e.recorded_at)) || keten_audit_ns(e.data::text)
        || CASE WHEN e.key_id IS NULL THEN '' ELSE keten_audit_ns(e.key_id::text) END, 'UTF8');

-- A message of ticket after prev: what it says and never changes (leg,
-- place in the leg, operation, idempotency key, payload, when queued),
-- not its delivery state, which the dispatcher updates.
CREATE FUNCTION keten_audit_message_bytes(o outbox, ticket uuid, prev bytea) RETURNS bytea
    LANGUAGE sql STABLE
    RETURN convert_to(keten_audit_head('message', o.id, ticket, prev)
        || keten_audit_ns(o.leg_id::text) || keten_audit_ns(o.seq::text)
        || keten_audit_ns(o.operation) || keten_audit_ns(o.idempotency_key)
        || keten_audit_ns(o.payload::text) || keten_audit_ns(keten_audit_ts(o.created_at)), 'UTF8');

-- Appends a record to ticket t's chain and returns its place, the hash
-- before it and its hash: one statement when the ticket has a head (its
-- row lock queues concurrent writers, so a chain never forks), and for a
-- ticket's first record the head is made.
CREATE FUNCTION keten_audit_append_event(e events, t uuid,
                                         OUT r_seq bigint, OUT r_prev bytea, OUT r_hash bytea)
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_heads h SET seq = h.seq + 1, prev = h.head,
        head = sha256(keten_audit_event_bytes(e, h.head))
        WHERE h.ticket_id = t RETURNING h.seq, h.prev, h.head INTO r_seq, r_prev, r_hash;
    IF NOT FOUND THEN
        INSERT INTO audit_heads AS h (ticket_id, seq, prev, head)
            VALUES (t, 1, NULL, sha256(keten_audit_event_bytes(e, NULL)))
            ON CONFLICT (ticket_id) DO UPDATE SET seq = h.seq + 1, prev = h.head,
                head = sha256(keten_audit_event_bytes(e, h.head))
            RETURNING h.seq, h.prev, h.head INTO r_seq, r_prev, r_hash;
    END IF;
END $$;

CREATE FUNCTION keten_audit_append_message(o outbox, t uuid,
                                           OUT r_seq bigint, OUT r_prev bytea, OUT r_hash bytea)
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_heads h SET seq = h.seq + 1, prev = h.head,
        head = sha256(keten_audit_message_bytes(o, t, h.head))
        WHERE h.ticket_id = t RETURNING h.seq, h.prev, h.head INTO r_seq, r_prev, r_hash;
    IF NOT FOUND THEN
        INSERT INTO audit_heads AS h (ticket_id, seq, prev, head)
            VALUES (t, 1, NULL, sha256(keten_audit_message_bytes(o, t, NULL)))
            ON CONFLICT (ticket_id) DO UPDATE SET seq = h.seq + 1, prev = h.head,
                head = sha256(keten_audit_message_bytes(o, t, h.head))
            RETURNING h.seq, h.prev, h.head INTO r_seq, r_prev, r_hash;
    END IF;
END $$;

-- Links a new record to its ticket's chain before it is stored.
CREATE FUNCTION keten_audit_link() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    t uuid;
BEGIN
    IF TG_TABLE_NAME = 'events' THEN
        -- The ticket first, as the event's foreign key locks it at the end
        -- of the statement anyway: a transaction holding the ticket's lock
        -- (kt_store_ticket_lock) never waits for a head that one without
        -- it (the SLA alert sweep, which writes only events) holds, so the
        -- heads add no deadlock. Messages are only ever queued under the
        -- ticket's lock.
        PERFORM 1 FROM tickets k WHERE k.id = NEW.ticket_id FOR KEY SHARE;
        SELECT * INTO NEW.chain_seq, NEW.chain_prev, NEW.chain_hash
            FROM keten_audit_append_event(NEW, NEW.ticket_id);
        RETURN NEW;
    END IF;
    -- A supplier's message belongs to its leg's ticket; an SLA
    -- notification (no leg, migration 026) names its ticket itself.
    t := coalesce((SELECT l.ticket_id FROM legs l WHERE l.id = NEW.leg_id), NEW.ticket_id);
    -- A message whose leg the same statement inserts later (the previous
    -- release's intake queues a new leg's create from the leg's planned
    -- id) is linked once the statement is done, by keten_audit_link_late.
    IF t IS NOT NULL THEN
        SELECT * INTO NEW.chain_seq, NEW.chain_prev, NEW.chain_hash
            FROM keten_audit_append_message(NEW, t);
    END IF;
    RETURN NEW;
END $$;

-- Links a message stored without a link, at the end of its statement.
CREATE FUNCTION keten_audit_link_late() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    t uuid;
    a record;
BEGIN
    t := coalesce((SELECT l.ticket_id FROM legs l WHERE l.id = NEW.leg_id), NEW.ticket_id);
    SELECT * INTO a FROM keten_audit_append_message(NEW, t);
    UPDATE outbox SET chain_seq = a.r_seq, chain_prev = a.r_prev, chain_hash = a.r_hash
        WHERE id = NEW.id;
    RETURN NULL;
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
        SELECT 'message', o.id, coalesce(l.ticket_id, o.ticket_id), o.created_at
        FROM outbox o LEFT JOIN legs l ON l.id = o.leg_id
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

-- An event written with the trigger switched off (session_replication_role)
-- is refused rather than left out of the chain. A message may be stored
-- before it is linked (keten_audit_link_late); one left unlinked is
-- reported by `keten audit verify`.
ALTER TABLE events
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN chain_hash SET NOT NULL;


CREATE TRIGGER events_audit_link BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION keten_audit_link();
CREATE TRIGGER outbox_audit_link BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION keten_audit_link();
CREATE TRIGGER outbox_audit_link_late AFTER INSERT ON outbox
    FOR EACH ROW WHEN (NEW.chain_hash IS NULL) EXECUTE FUNCTION keten_audit_link_late();
