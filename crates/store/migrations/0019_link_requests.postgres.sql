-- An import links a person already on the platform only once they accept: the requests
-- wait here, one per organisation and person.
CREATE TABLE "org_link_requests" ( "org_id" varchar NOT NULL, "user_id" varchar NOT NULL, "import_id" varchar NOT NULL, "status" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "decided_at" timestamp with time zone, PRIMARY KEY ("org_id", "user_id") );
CREATE INDEX "idx-org_link_requests-user" ON "org_link_requests" ("user_id", "status");
ALTER TABLE "import_jobs" ADD COLUMN "pending_rows" integer NOT NULL DEFAULT 0;
