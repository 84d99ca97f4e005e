-- Background jobs: enqueued in the business transaction, claimed under a lease, retried
-- with backoff; an idempotency key makes enqueueing the same work twice a no-op.
CREATE TABLE "jobs" ( "id" varchar NOT NULL PRIMARY KEY, "kind" varchar NOT NULL, "payload" varchar NOT NULL, "idempotency_key" varchar NOT NULL UNIQUE, "state" varchar NOT NULL, "attempts" integer NOT NULL, "max_attempts" integer NOT NULL, "run_at" timestamp with time zone NOT NULL, "locked_by" varchar, "locked_until" timestamp with time zone, "last_error" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL, "finished_at" timestamp with time zone );
CREATE INDEX "idx-jobs-due" ON "jobs" ("state", "run_at");
