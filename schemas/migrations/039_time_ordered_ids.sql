-- 039_time_ordered_ids.sql - new tickets, legs and message keys get ids
-- that grow with time (issue 10): the first 48 bits are the Unix time in
-- milliseconds and the rest random, the layout of RFC 9562's version 7
-- (PostgreSQL 15 has no uuidv7()). A random id put every new ticket's
-- rows at a random place in each index keyed by a ticket, a leg or a
-- message key (ten of them), so past the cache's size every intake read
-- and dirtied pages all over them: with 1,000,000 tickets stored, intake
-- ran at 0.83-0.91 of its rate with 10,000. Now new rows go to the right
-- edge of those indexes. Ids already given keep their values; they are
-- opaque (nothing reads a time from them).
CREATE FUNCTION keten_uuid() RETURNS uuid
    LANGUAGE sql VOLATILE PARALLEL SAFE
    RETURN encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid;

ALTER TABLE tickets ALTER COLUMN id SET DEFAULT keten_uuid();
ALTER TABLE legs ALTER COLUMN id SET DEFAULT keten_uuid();
