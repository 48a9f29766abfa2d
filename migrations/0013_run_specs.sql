CREATE TABLE "run_specs" (
	"hash" text PRIMARY KEY NOT NULL,
	"spec" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "spec_hash" text;--> statement-breakpoint
-- Written by hand below (drizzle-kit generates no data moves): every stored spec moves into run_specs, one row per
-- content (hashed here from its jsonb text; new rows hash their JSON in store/run-specs.ts: a spec stored by both
-- ways is two rows with the same content, which is harmless). A `requested` event loses its spec only when it is its
-- run's (a snapshot written back by a newer release may hold the upgraded shape of it; then the event keeps its own).
INSERT INTO "run_specs" ("hash", "spec")
  SELECT DISTINCT ON (h) h, spec FROM (
    SELECT encode(sha256(convert_to(("snapshot"->'spec')::text, 'UTF8')), 'hex') AS h, "snapshot"->'spec' AS spec FROM "runs"
  ) AS specs;--> statement-breakpoint
UPDATE "run_events" AS e SET "payload" = e."payload" #- '{run,spec}'
  FROM "runs" AS r
  WHERE e."run_id" = r."id" AND e."type" = 'requested' AND e."payload"->'run'->'spec' = r."snapshot"->'spec';--> statement-breakpoint
UPDATE "runs" SET "spec_hash" = encode(sha256(convert_to(("snapshot"->'spec')::text, 'UTF8')), 'hex'), "snapshot" = "snapshot" - 'spec';--> statement-breakpoint
ALTER TABLE "runs" ALTER COLUMN "spec_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_spec_hash_run_specs_hash_fk" FOREIGN KEY ("spec_hash") REFERENCES "public"."run_specs"("hash") ON DELETE no action ON UPDATE no action;
