-- 010_service_tickets.sql - a service's tickets by kind: the health of a
-- service (GET /v1/services/{id}/status) reads its open incidents, and
-- deleting a service checks that no ticket refers to it.
CREATE INDEX tickets_service_idx ON tickets (service_id, type, consolidated);
