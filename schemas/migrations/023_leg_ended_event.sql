-- 023_leg_ended_event.sql - where a leg's end falls in its ticket's
-- timeline: the newest event id of the ticket when the broker ended the
-- leg (issue 14, finding 3). A supplier whose leg ended sees the timeline
-- up to there (and later entries about its own leg only); ids, not times,
-- since several entries share a second. Legs ended before this migration
-- are placed by the time they ended.
ALTER TABLE legs ADD COLUMN ended_event bigint;

UPDATE legs l SET ended_event = (SELECT coalesce(max(e.id), 0) FROM events e
    WHERE e.ticket_id = l.ticket_id AND e.recorded_at <= l.ended_at)
 WHERE l.ended IS NOT NULL;
