CREATE TABLE "reviews" (
	"run_id" uuid PRIMARY KEY NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"queued_at" timestamp with time zone NOT NULL,
	"resent" integer DEFAULT 0 NOT NULL,
	"posted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reviews_unposted" ON "reviews" USING btree ("due_at") WHERE posted_at is null;--> statement-breakpoint
-- Reviews scheduled before this table existed: one row per run from its outbox row; one already due is taken as posted (its job ran then).
INSERT INTO "reviews" ("run_id", "due_at", "queued_at", "posted_at")
SELECT DISTINCT ON ("run_id") "run_id", "run_at", "created_at", CASE WHEN "run_at" <= now() THEN "run_at" END
FROM "outbox" WHERE "queue" = 'flightdeck-chat' AND "payload"->'effect'->>'kind' = 'reviewDue' AND "run_id" IN (SELECT "id" FROM "runs")
ORDER BY "run_id", "created_at"
ON CONFLICT DO NOTHING;
