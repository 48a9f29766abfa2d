CREATE TABLE "slack_home_users" (
	"user_id" text PRIMARY KEY NOT NULL,
	"first_opened_at" timestamp with time zone NOT NULL,
	"last_opened_at" timestamp with time zone NOT NULL
);
