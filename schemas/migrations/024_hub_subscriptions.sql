-- 024_hub_subscriptions.sql - Keten's listener registered with the hub of
-- each supplier that pushes to registered listeners (a TMF621 seller,
-- issue 12). A supplier whose chain entry names inbound.callback wants one
-- registration; the chain import and the integrator API say so through
-- keten_hub_sync in their transaction, and the hub sweep of every
-- delivering node (broker/dispatch/hub.c) makes the calls under a lease.
-- A row outlives its supplier on purpose: a removed supplier's
-- registration is still to be removed at the hub, with the endpoint and
-- auth it was made with (the snapshot in `supplier`).
CREATE TABLE hub_subscriptions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id   uuid NOT NULL,         -- no reference: the row outlives the supplier
    supplier_key  text NOT NULL,
    supplier      jsonb NOT NULL,        -- {id, key, adapter, endpoint, secret_ref, mapping,
                                         -- auth, delivery}: whom the calls go to
    callback      text NOT NULL,         -- Keten's inbound URL of the supplier
    wanted        boolean NOT NULL DEFAULT true, -- false: to be removed at the hub
    hub_id        text,                  -- the seller's id of the registration once made
    registered_at timestamptz,
    next_due      timestamptz NOT NULL DEFAULT now(),
    lease_owner   text,
    lease_token   uuid,
    lease_until   timestamptz,
    failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_error    text,                  -- never a secret (the sweep writes it)
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Exactly one wanted registration per supplier.
CREATE UNIQUE INDEX hub_subscriptions_wanted ON hub_subscriptions (supplier_id) WHERE wanted;
CREATE INDEX hub_subscriptions_key ON hub_subscriptions (supplier_key);

-- What a registration's calls need of supplier s.
CREATE FUNCTION keten_hub_supplier(s suppliers) RETURNS jsonb
    LANGUAGE sql STABLE
    RETURN jsonb_build_object('id', s.id, 'key', s.key, 'adapter', s.adapter,
        'endpoint', s.endpoint, 'secret_ref', s.secret_ref, 'mapping', s.mapping,
        'auth', s.auth, 'delivery', s.delivery);

-- Makes supplier p_supplier's registrations follow its row (called in the
-- transaction that wrote or deleted it): a wanted registration whose
-- callback, endpoint, adapter or mapping no longer is the supplier's (or
-- whose supplier is gone) is given up (to be removed at the hub once
-- made); one that still fits follows the supplier's auth and limits; a
-- supplier with inbound.callback and no wanted registration gets one.
CREATE FUNCTION keten_hub_sync(p_supplier uuid) RETURNS void
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    UPDATE hub_subscriptions h SET wanted = false, next_due = now(), failures = 0,
        last_error = NULL
    WHERE h.supplier_id = p_supplier AND h.wanted
      AND NOT EXISTS (SELECT 1 FROM suppliers s WHERE s.id = p_supplier
          AND s.inbound ->> 'callback' = h.callback
          AND s.endpoint = h.supplier ->> 'endpoint' AND s.adapter = h.supplier ->> 'adapter'
          AND s.mapping = h.supplier -> 'mapping');
    UPDATE hub_subscriptions h SET supplier = keten_hub_supplier(s)
    FROM suppliers s
    WHERE s.id = p_supplier AND h.supplier_id = s.id AND h.wanted
      AND h.supplier <> keten_hub_supplier(s);
    INSERT INTO hub_subscriptions (supplier_id, supplier_key, supplier, callback)
    SELECT s.id, s.key, keten_hub_supplier(s), s.inbound ->> 'callback' FROM suppliers s
    WHERE s.id = p_supplier AND s.inbound ? 'callback'
      AND NOT EXISTS (SELECT 1 FROM hub_subscriptions h WHERE h.supplier_id = s.id AND h.wanted);
END;

-- Leases at most p_limit registrations with work due to p_node for
-- p_lease_ms: a wanted one not yet made (subscribe) or a made one no
-- longer wanted (unsubscribe). One given up before it was made, with no
-- call in flight, is deleted first: there is nothing to remove. A row
-- leased by a node whose lease has not run out is skipped, and so is one
-- another claim holds at this instant (SKIP LOCKED): one node per row.
CREATE FUNCTION keten_hub_claim(p_node text, p_lease_ms integer, p_limit integer)
    RETURNS TABLE (id uuid, lease_token uuid, supplier jsonb, callback text, hub_id text,
                   wanted boolean, failures integer)
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    DELETE FROM hub_subscriptions
    WHERE NOT wanted AND hub_id IS NULL AND (lease_until IS NULL OR lease_until < now());
    UPDATE hub_subscriptions h SET lease_owner = p_node, lease_token = gen_random_uuid(),
        lease_until = now() + p_lease_ms * interval '1 millisecond'
    FROM (SELECT q.id FROM hub_subscriptions q
          WHERE q.wanted = (q.hub_id IS NULL) AND q.next_due <= now()
            AND (q.lease_until IS NULL OR q.lease_until < now())
          ORDER BY q.next_due LIMIT p_limit
          FOR UPDATE SKIP LOCKED) d
    WHERE h.id = d.id
    RETURNING h.id, h.lease_token, h.supplier, h.callback, h.hub_id, h.wanted, h.failures;
END;

-- Records the call made under lease p_token: p_hub_id set, the
-- registration was made (and is due at once for removal when it was given
-- up meanwhile); NULL, the registration was removed (the row goes). False,
-- nothing written, when the lease had passed to another node.
CREATE FUNCTION keten_hub_done(p_id uuid, p_token uuid, p_hub_id text)
    RETURNS boolean
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    WITH u AS (
        UPDATE hub_subscriptions SET hub_id = p_hub_id, registered_at = now(),
            next_due = now(), failures = 0, last_error = NULL,
            lease_owner = NULL, lease_token = NULL, lease_until = NULL
        WHERE id = p_id AND lease_token = p_token AND p_hub_id IS NOT NULL
        RETURNING 1),
    d AS (
        DELETE FROM hub_subscriptions
        WHERE id = p_id AND lease_token = p_token AND p_hub_id IS NULL
        RETURNING 1)
    SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM d) = 1;
END;

-- Hands the row leased under p_token back after a failed call, due again
-- in p_delay_ms, p_error kept as its last error and counted. False when
-- the lease had passed to another node (nothing written).
CREATE FUNCTION keten_hub_later(p_id uuid, p_token uuid, p_delay_ms integer, p_error text)
    RETURNS boolean
    LANGUAGE sql VOLATILE
BEGIN ATOMIC
    WITH u AS (
        UPDATE hub_subscriptions SET
            next_due = now() + p_delay_ms * interval '1 millisecond',
            failures = failures + 1, last_error = p_error,
            lease_owner = NULL, lease_token = NULL, lease_until = NULL
        WHERE id = p_id AND lease_token = p_token
        RETURNING 1)
    SELECT count(*) = 1 FROM u;
END;
