-- 015_leg_is_open.sql - the "open leg" rule in one place. A leg is open
-- while the broker did not end it (ended IS NULL) and its status is not
-- resolved, closed or cancelled. Every statement that needs the rule calls
-- this function; the C side's one copy is kt_store_leg_is_open()
-- (broker/store/row_leg.c), and tests/system/store.test.mjs checks that
-- the two agree on every leg status.
CREATE FUNCTION keten_leg_is_open(status text, ended text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN ended IS NULL AND status NOT IN ('resolved', 'closed', 'cancelled');
