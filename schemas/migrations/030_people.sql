-- 030_people.sql - people who sign in to the portal (issue 15): their
-- accounts, sessions behind the keten_session cookie, one-time invite and
-- reset links, a sign-in throttle every node shares, and the person who
-- wrote each timeline entry (chained by the audit trail of migration 029).

-- A person: an integrator or one customer's. password_hash is the scrypt
-- string of base/password.h ("$scrypt$ln=..,r=..,p=..$salt$hash"), NULL
-- until an invite is accepted or for a person who signs in only through
-- OpenID Connect (oidc_issuer + oidc_subject, filled by the OIDC sign-in).
CREATE TABLE people (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (octet_length(email) BETWEEN 3 AND 254
                                       AND email = btrim(email) AND email LIKE '_%@_%'),
    name          text NOT NULL DEFAULT '' CHECK (octet_length(name) <= 200),
    role          text NOT NULL CHECK (role IN ('integrator', 'customer')),
    customer_id   uuid REFERENCES customers(id),
    password_hash text,
    oidc_issuer   text,
    oidc_subject  text,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
    CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL)),
    UNIQUE (oidc_issuer, oidc_subject)
);

-- One account per address, whatever its case.
CREATE UNIQUE INDEX people_email_idx ON people (lower(email));

-- A signed-in session: only the SHA-256 of the cookie's token is kept.
-- csrf_token is what a state-changing request must send in X-CSRF-Token.
-- last_seen_at moves coarsely (the idle timeout is far longer than the
-- step); expires_at is the absolute end; ended_at the sign-out (or a
-- password reset, or the person disabled).
CREATE TABLE sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash   bytea NOT NULL UNIQUE,
    person_id    uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    client       text NOT NULL DEFAULT ''
);

CREATE INDEX sessions_person_idx ON sessions (person_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- One-time links: an invite (sets the first password) or a reset. Only
-- the SHA-256 of the link's token is kept.
CREATE TABLE person_links (
    token_hash bytea PRIMARY KEY,
    person_id  uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('invite', 'reset')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX person_links_person_idx ON person_links (person_id);

-- Failed sign-ins per subject ("e:" + the SHA-256 of the lower-cased
-- email in hex, or "a:" + the client address) in a fixed window: kept in
-- the database so that the limit holds across nodes.
CREATE TABLE signin_throttle (
    subject      text PRIMARY KEY,
    failures     integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX signin_throttle_window_idx ON signin_throttle (window_start);

-- The person whose request wrote each timeline entry (NULL: a key's, the
-- broker's own or a supplier's). No foreign key: the record outlives the
-- person.
ALTER TABLE events ADD COLUMN person_id uuid;

-- The store names the acting caller once per request (kt_db_act_as) and
-- every INSERT INTO events passes it as key_id; a person's id there is
-- filed under person_id instead. Named to fire before events_audit_link
-- (triggers fire in name order), so the chain hashes the final row.
CREATE FUNCTION keten_event_person() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM people p WHERE p.id = NEW.key_id) THEN
        NEW.person_id := NEW.key_id;
        NEW.key_id := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER events_act_person BEFORE INSERT ON events
    FOR EACH ROW WHEN (NEW.key_id IS NOT NULL) EXECUTE FUNCTION keten_event_person();

-- The canonical bytes of an event gain person_id as a trailing field,
-- written only when not NULL (key_id before it, "~" when NULL): records
-- written before keep their bytes (see broker/model/audit_chain.h).
CREATE OR REPLACE FUNCTION keten_audit_event_bytes(e events, prev bytea) RETURNS bytea
    LANGUAGE sql STABLE
    RETURN convert_to(keten_audit_head('event', e.id, e.ticket_id, prev)
        || keten_audit_ns(e.leg_id::text) || keten_audit_ns(e.kind)
        || keten_audit_ns(e.visibility) || keten_audit_ns(e.actor) || keten_audit_ns(e.holder)
        || keten_audit_ns(keten_audit_ts(e.occurred_at))
        || keten_audit_ns(keten_audit_ts(e.recorded_at)) || keten_audit_ns(e.data::text)
        || CASE WHEN e.key_id IS NULL AND e.person_id IS NULL THEN ''
                ELSE keten_audit_ns(e.key_id::text) END
        || CASE WHEN e.person_id IS NULL THEN '' ELSE keten_audit_ns(e.person_id::text) END,
        'UTF8');
