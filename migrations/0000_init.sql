CREATE TABLE "chat_messages" (
	"run_id" uuid NOT NULL,
	"platform" text NOT NULL,
	"channel" text NOT NULL,
	"message_id" text NOT NULL,
	CONSTRAINT "chat_messages_run_id_platform_pk" PRIMARY KEY("run_id","platform")
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"run_id" uuid PRIMARY KEY NOT NULL,
	"decision" text NOT NULL,
	"by_platform" text NOT NULL,
	"by_id" text NOT NULL,
	"by_name" text NOT NULL,
	"rationale" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"relayed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "run_counters" (
	"service" text PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"run_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "run_events_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"version" text NOT NULL,
	"state" text NOT NULL,
	"request_key" text,
	"seq" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "runs_key_unique" UNIQUE("key"),
	CONSTRAINT "runs_request_key_unique" UNIQUE("request_key")
);
--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_pending" ON "outbox" USING btree ("created_at") WHERE relayed_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "one_active_run_per_target" ON "runs" USING btree ("service","environment") WHERE state in ('queued','pre_checks','staging','awaiting_decision','deploying','verifying','monitoring','rolling_back');