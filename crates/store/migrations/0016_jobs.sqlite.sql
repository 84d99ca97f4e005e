-- Background jobs: enqueued in the business transaction, claimed under a lease, retried
-- with backoff; an idempotency key makes enqueueing the same work twice a no-op.
CREATE TABLE "jobs" ( "id" varchar NOT NULL PRIMARY KEY, "kind" varchar NOT NULL, "payload" varchar NOT NULL, "idempotency_key" varchar NOT NULL UNIQUE, "state" varchar NOT NULL, "attempts" integer NOT NULL, "max_attempts" integer NOT NULL, "run_at" timestamp_with_timezone_text NOT NULL, "locked_by" varchar, "locked_until" timestamp_with_timezone_text, "last_error" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "updated_at" timestamp_with_timezone_text NOT NULL, "finished_at" timestamp_with_timezone_text );
CREATE INDEX "idx-jobs-due" ON "jobs" ("state", "run_at");
