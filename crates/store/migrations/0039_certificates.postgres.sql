-- Certificates (issue 13): what was issued to whom, by whom, the record signed for it
-- and the signed note its QR code carries, its evidence-log entries, and revocation.
-- One certificate of a kind per learner and class.
CREATE TABLE "certificates" ( "id" varchar NOT NULL PRIMARY KEY, "number" varchar NOT NULL UNIQUE, "kind" varchar NOT NULL, "user_id" varchar NOT NULL REFERENCES "users" ("id"), "class_id" varchar REFERENCES "classes" ("id"), "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "region_code" varchar NOT NULL, "holder_name" varchar NOT NULL, "project" varchar NOT NULL, "class_name" varchar NOT NULL, "hours" integer NOT NULL, "issued_on" varchar NOT NULL, "record" varchar NOT NULL, "note" varchar NOT NULL, "ledger_idx" bigint NOT NULL, "issued_by" varchar NOT NULL, "issued_at" timestamp with time zone NOT NULL, "revoked_at" timestamp with time zone, "revoked_reason" varchar NOT NULL, "revoked_by" varchar, "revocation_idx" bigint );
CREATE UNIQUE INDEX "uq-certificates-class-user-kind" ON "certificates" ("class_id", "user_id", "kind");
CREATE INDEX "idx-certificates-user_id" ON "certificates" ("user_id");
CREATE INDEX "idx-certificates-region_code" ON "certificates" ("region_code");
