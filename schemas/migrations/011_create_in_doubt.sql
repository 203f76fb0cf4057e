-- 011_create_in_doubt.sql - a create whose last attempt may have reached
-- the supplier (a timeout or reset after sending, a 5xx, a lease that ran
-- out with no outcome: a crash) is "in doubt": before it is sent again the
-- dispatcher asks the supplier's adapter to find the ticket by our
-- correlation id, and sends the create only when nothing is found.

ALTER TABLE outbox
    ADD COLUMN in_doubt boolean NOT NULL DEFAULT false;
