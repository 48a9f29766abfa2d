-- Relayed outbox rows were kept forever; the sweeper now deletes them an hour after they were relayed, found by their time-ordered ids (store/ids.ts). Rows made before those ids were random: this deletes the relayed ones once.
DELETE FROM "outbox" WHERE "relayed_at" IS NOT NULL;
