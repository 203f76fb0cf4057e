-- 031_live.sql - the live stream's own NOTIFY channel (issue 15): every
-- change people watch raises `keten_live` in the transaction that made it,
-- so it is heard only once committed, by every broker process. Payload:
-- "<kind> <visibility> <ticket id> <customer id> <detail>", kind ticket
-- (detail: ticket, legs or timeline), delivery (detail: <outbox id>:<state>)
-- or queue (detail: triage or dead_letters); visibility c (the ticket's
-- customer may be told) or i (integrators only). Equal payloads of one
-- transaction are delivered once (PostgreSQL folds them).

CREATE FUNCTION keten_live(kind text, vis text, ticket uuid, customer uuid, detail text)
RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('keten_live', concat_ws(' ', kind, vis, ticket::text, customer::text, detail))
$$;

CREATE FUNCTION keten_live_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM keten_live('ticket', 'c', NEW.id, NEW.customer_id, 'ticket');
    RETURN NULL;
END $$;
CREATE TRIGGER tickets_live AFTER INSERT OR UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION keten_live_ticket();

-- Legs are the integrator's view; a leg without a supplier is in triage.
CREATE FUNCTION keten_live_leg() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cust uuid := (SELECT customer_id FROM tickets WHERE id = NEW.ticket_id);
BEGIN
    PERFORM keten_live('ticket', 'i', NEW.ticket_id, cust, 'legs');
    IF NEW.supplier_id IS NULL OR (TG_OP = 'UPDATE' AND OLD.supplier_id IS NULL) THEN
        PERFORM keten_live('queue', 'i', NEW.ticket_id, cust, 'triage');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER legs_live AFTER INSERT OR UPDATE ON legs
    FOR EACH ROW EXECUTE FUNCTION keten_live_leg();

-- A timeline entry: the customer is told only of what it may read.
CREATE FUNCTION keten_live_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM keten_live('ticket', CASE NEW.visibility WHEN 'customer' THEN 'c' ELSE 'i' END,
                       NEW.ticket_id,
                       (SELECT customer_id FROM tickets WHERE id = NEW.ticket_id), 'timeline');
    RETURN NULL;
END $$;
CREATE TRIGGER events_live AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION keten_live_event();

-- A delivery's state (pending, done, dead): not its claims and retries.
CREATE FUNCTION keten_live_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t uuid;
    cust uuid;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state = NEW.state THEN
        RETURN NULL;
    END IF;
    SELECT l.ticket_id, tk.customer_id INTO t, cust
      FROM legs l JOIN tickets tk ON tk.id = l.ticket_id WHERE l.id = NEW.leg_id;
    PERFORM keten_live('delivery', 'i', t, cust, NEW.id || ':' || NEW.state);
    IF NEW.state = 'dead' OR (TG_OP = 'UPDATE' AND OLD.state = 'dead') THEN
        PERFORM keten_live('queue', 'i', t, cust, 'dead_letters');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_live AFTER INSERT OR UPDATE OF state ON outbox
    FOR EACH ROW EXECUTE FUNCTION keten_live_outbox();
