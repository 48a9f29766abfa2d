-- Wakes the outbox relay (the worker's, LISTENing on flightdeck_outbox) when rows are committed: NOTIFY is delivered
-- at commit, once per transaction, so serve does no relay work and the worker need not poll fast. Written by hand
-- (drizzle-kit does not generate triggers).
CREATE OR REPLACE FUNCTION flightdeck_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('flightdeck_outbox', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION flightdeck_outbox_notify();
