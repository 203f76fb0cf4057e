-- 018_supplier_polls.sql - polling suppliers that cannot push (issue 11).
-- One row per polled supplier and feed of its adapter: the cursor (the
-- newest supplier update time of the last complete pass), the pass being
-- paged (its since, its page token and the newest update time of its
-- pages so far: a restart resumes the pass where it stopped), when the
-- feed is due, its lease (exactly one node polls a feed at a time) and
-- its failures. The lease is taken and kept by the three functions below,
-- which every node calls (broker/store/row_poll.c) and
-- tests/system/poll.test.mjs races from several sessions.
CREATE TABLE supplier_polls (
    supplier_id   uuid NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    feed          text NOT NULL,
    cursor_at     timestamptz,           -- NULL before the first complete pass
    page          text,                  -- the next page of the pass; NULL: none underway
    pass_since    timestamptz,           -- the since of the pass underway
    pass_high     timestamptz,           -- newest update time of its pages so far
    next_due      timestamptz NOT NULL DEFAULT now(),
    lease_owner   text,
    lease_token   uuid,
    lease_until   timestamptz,
    failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_error    text,                  -- never a secret (the engine writes it)
    last_success  timestamptz,
    PRIMARY KEY (supplier_id, feed)
);

-- Leases at most p_limit due feeds to p_node for p_lease_ms. p_feeds maps
-- an adapter's name to its feeds ({"rt": ["tickets"]}): a row is made for
-- each feed of each supplier whose poll is set; a feed not (or no longer)
-- in the map, or of a supplier no longer polled, is never claimed. A feed
-- leased by a node whose lease has not run out is skipped, and so is one
-- another claim holds at this instant (SKIP LOCKED). Each statement sees
-- the one before (a volatile SQL function): the rows just made are claimed.
CREATE FUNCTION keten_poll_claim(p_node text, p_lease_ms integer, p_feeds jsonb,
                                 p_limit integer)
    RETURNS TABLE (supplier_id uuid, feed text, lease_token uuid, cursor_at timestamptz,
                   page text, pass_since timestamptz, failures integer)
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    INSERT INTO supplier_polls (supplier_id, feed)
    SELECT s.id, f.feed FROM suppliers s,
        jsonb_array_elements_text(COALESCE(p_feeds -> s.adapter, '[]')) AS f(feed)
    WHERE s.poll IS NOT NULL
      -- Only the missing: a conflict with a row another claim is leasing
      -- would wait for that claim's end.
      AND NOT EXISTS (SELECT 1 FROM supplier_polls q
                      WHERE q.supplier_id = s.id AND q.feed = f.feed)
    ORDER BY s.id, f.feed          -- one order for all: racing first claims never deadlock
    ON CONFLICT DO NOTHING;
    UPDATE supplier_polls p SET lease_owner = p_node, lease_token = gen_random_uuid(),
        lease_until = now() + p_lease_ms * interval '1 millisecond'
    FROM (SELECT q.supplier_id, q.feed FROM supplier_polls q
          JOIN suppliers s ON s.id = q.supplier_id
          WHERE s.poll IS NOT NULL AND COALESCE(p_feeds -> s.adapter, '[]') ? q.feed
            AND q.next_due <= now() AND (q.lease_until IS NULL OR q.lease_until < now())
          ORDER BY q.next_due LIMIT p_limit
          FOR UPDATE OF q SKIP LOCKED) d
    WHERE p.supplier_id = d.supplier_id AND p.feed = d.feed
    RETURNING p.supplier_id, p.feed, p.lease_token, p.cursor_at, p.page, p.pass_since,
        p.failures;
END;

-- Records a page read under the lease p_token (false, nothing written,
-- when the lease passed to another node). p_next NULL: it was the last
-- page of the pass, whose since was p_since: the cursor becomes the
-- newest update time of all its pages (never going back; p_floor, the
-- time the pass started, when no pass ever saw an update), the feed is
-- due again after the supplier's interval_ms, its failures are forgotten
-- and the lease is released. Else the pass goes on at page p_next
-- (kept, so that a restart resumes it) and the lease is renewed.
CREATE FUNCTION keten_poll_page(p_supplier uuid, p_feed text, p_token uuid,
                                p_lease_ms integer, p_since timestamptz, p_next text,
                                p_high timestamptz, p_floor timestamptz)
    RETURNS boolean
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    WITH u AS (
        UPDATE supplier_polls p SET
            cursor_at = CASE WHEN p_next IS NULL
                THEN COALESCE(GREATEST(p.cursor_at, p.pass_high, p_high), p_floor)
                ELSE p.cursor_at END,
            page = p_next,
            pass_since = CASE WHEN p_next IS NULL THEN NULL ELSE p_since END,
            pass_high = CASE WHEN p_next IS NULL THEN NULL
                ELSE GREATEST(p.pass_high, p_high) END,
            next_due = CASE WHEN p_next IS NULL
                THEN now() + (s.poll ->> 'interval_ms')::integer * interval '1 millisecond'
                ELSE p.next_due END,
            failures = CASE WHEN p_next IS NULL THEN 0 ELSE p.failures END,
            last_error = CASE WHEN p_next IS NULL THEN NULL ELSE p.last_error END,
            last_success = CASE WHEN p_next IS NULL THEN now() ELSE p.last_success END,
            lease_owner = CASE WHEN p_next IS NULL THEN NULL ELSE p.lease_owner END,
            lease_token = CASE WHEN p_next IS NULL THEN NULL ELSE p.lease_token END,
            lease_until = CASE WHEN p_next IS NULL THEN NULL
                ELSE now() + p_lease_ms * interval '1 millisecond' END
        FROM suppliers s
        WHERE s.id = p.supplier_id AND p.supplier_id = p_supplier AND p.feed = p_feed
          AND p.lease_token = p_token
        RETURNING 1)
    SELECT count(*) = 1 FROM u;
END;

-- Hands the feed leased under p_token back, due again in p_delay_ms, the
-- pass underway kept (the next lease resumes it at its page). p_error set:
-- a failure, counted and kept as last_error; NULL: a deferral (the
-- supplier's gate was closed), not counted. False when the lease had
-- passed to another node (nothing written).
CREATE FUNCTION keten_poll_later(p_supplier uuid, p_feed text, p_token uuid,
                                 p_delay_ms integer, p_error text)
    RETURNS boolean
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    WITH u AS (
        UPDATE supplier_polls SET
            next_due = now() + p_delay_ms * interval '1 millisecond',
            failures = failures + CASE WHEN p_error IS NULL THEN 0 ELSE 1 END,
            last_error = COALESCE(p_error, last_error),
            lease_owner = NULL, lease_token = NULL, lease_until = NULL
        WHERE supplier_id = p_supplier AND feed = p_feed AND lease_token = p_token
        RETURNING 1)
    SELECT count(*) = 1 FROM u;
END;
