CREATE TABLE "commits" (
	"service" text NOT NULL,
	"sha" text NOT NULL,
	"committed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "commits_service_sha_pk" PRIMARY KEY("service","sha")
);
--> statement-breakpoint
CREATE INDEX "runs_by_service" ON "runs" USING btree ("service","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deploys_by_target" ON "runs" USING btree ("service","environment","updated_at") WHERE state in ('succeeded','rolled_back','rollback_failed');--> statement-breakpoint
CREATE INDEX "deploys_by_time" ON "runs" USING btree ("updated_at") WHERE state in ('succeeded','rolled_back','rollback_failed');