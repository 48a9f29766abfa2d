DROP INDEX "succeeded_runs_by_target";--> statement-breakpoint
CREATE INDEX "succeeded_runs_by_version" ON "runs" USING btree ("service","environment","version") WHERE state = 'succeeded';--> statement-breakpoint
CREATE INDEX "succeeded_runs_by_target" ON "runs" USING btree ("service","environment","updated_at" DESC NULLS LAST,"created_at" DESC NULLS LAST) WHERE state = 'succeeded';