CREATE TABLE "lock_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"action" text NOT NULL,
	"by" jsonb,
	"reason" text,
	"detail" text,
	"lock" jsonb,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "locks" (
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"by" jsonb NOT NULL,
	"reason" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"until" timestamp with time zone,
	"kind" text NOT NULL,
	"run_key" text,
	CONSTRAINT "locks_service_environment_pk" PRIMARY KEY("service","environment")
);
--> statement-breakpoint
CREATE TABLE "queued_starts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"version" text NOT NULL,
	"command" text NOT NULL,
	"requested_by" jsonb NOT NULL,
	"request_key" text,
	"queued_at" timestamp with time zone NOT NULL,
	CONSTRAINT "queued_starts_request_key_unique" UNIQUE("request_key")
);
--> statement-breakpoint
CREATE INDEX "lock_events_target" ON "lock_events" USING btree ("service","environment","at");--> statement-breakpoint
CREATE INDEX "queued_starts_target" ON "queued_starts" USING btree ("service","environment","queued_at");