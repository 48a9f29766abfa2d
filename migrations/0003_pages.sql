CREATE TABLE "page_messages" (
	"page_id" uuid NOT NULL,
	"platform" text NOT NULL,
	"channel" text NOT NULL,
	"message_id" text NOT NULL,
	CONSTRAINT "page_messages_page_id_channel_message_id_pk" PRIMARY KEY("page_id","channel","message_id")
);
--> statement-breakpoint
CREATE TABLE "pages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"acknowledged_by" jsonb,
	"acknowledged_at" timestamp with time zone,
	"reminders_sent" integer NOT NULL,
	"next_reminder_at" timestamp with time zone,
	"escalated_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "page_messages" ADD CONSTRAINT "page_messages_page_id_pages_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."pages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pages" ADD CONSTRAINT "pages_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pages_next_reminder" ON "pages" USING btree ("next_reminder_at") WHERE next_reminder_at is not null;