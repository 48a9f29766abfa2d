ALTER TABLE "runs" ADD COLUMN "work_due_at" timestamp with time zone;--> statement-breakpoint
-- Active runs written before this column: when their work is due is unknown, so each is a sweeper candidate (read whole, as every active run was) until its next transition writes the real time.
UPDATE "runs" SET "work_due_at" = "updated_at" WHERE state not in ('succeeded','failed','no_go','deferred','cancelled','rolled_back','rollback_failed');
