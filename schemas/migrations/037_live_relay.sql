-- 037_live_relay.sql - the live stream's changes are relayed, not
-- notified by the writes themselves (issue 10). A transaction that
-- NOTIFYs takes PostgreSQL's one lock on the notification queue at its
-- commit and holds it until the commit is flushed, so with every ticket,
-- leg, event and delivery state notifying (031) all writing transactions
-- committed one at a time: under `make bench` 16 intake sessions spent 85%
-- of their time waiting on that lock and did no more than one. Now
-- keten_live() queues its payload in keten_live_queue (unlogged: a live
-- hint is not worth a WAL record, and one lost in a crash only costs the
-- watchers a refresh), and every `keten serve` takes what committed
-- writes queued and NOTIFYs it, in one transaction every live_relay_ms
-- (store/row_live.h), on the same channel and with the same payloads;
-- equal payloads of one relay are delivered once. The triggers of 031
-- stay as they are.
CREATE UNLOGGED TABLE keten_live_queue (payload text NOT NULL)
    WITH (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0,
          autovacuum_vacuum_insert_threshold = 1000,
          autovacuum_vacuum_insert_scale_factor = 0);

CREATE OR REPLACE FUNCTION keten_live(kind text, vis text, ticket uuid, customer uuid, detail text)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO keten_live_queue (payload)
    VALUES (concat_ws(' ', kind, vis, ticket::text, customer::text, detail))
$$;
