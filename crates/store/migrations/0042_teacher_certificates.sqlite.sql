-- Teacher qualification certificates (师资上岗资格, issue 13) share the certificates
-- table: a certificate is held by a learner (user_id) or by a teacher of the pool
-- (teacher_id), never neither; it may name its issuer in words (a regulator's
-- department, with its region) and carry an expiry date. A teacher holds at most one current
-- qualification: a renewal marks the old one replaced, a revocation ends it.
-- SQLite cannot drop NOT NULL from a column: the table is rebuilt (nothing points at it).
CREATE TABLE "certificates__v2" ( "id" varchar NOT NULL PRIMARY KEY, "number" varchar NOT NULL UNIQUE, "kind" varchar NOT NULL, "user_id" varchar REFERENCES "users" ("id"), "class_id" varchar REFERENCES "classes" ("id"), "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "region_code" varchar NOT NULL, "holder_name" varchar NOT NULL, "project" varchar NOT NULL, "class_name" varchar NOT NULL, "hours" integer NOT NULL, "issued_on" varchar NOT NULL, "record" varchar NOT NULL, "note" varchar NOT NULL, "ledger_idx" bigint NOT NULL, "issued_by" varchar NOT NULL, "issued_at" timestamp_with_timezone_text NOT NULL, "revoked_at" timestamp_with_timezone_text, "revoked_reason" varchar NOT NULL, "revoked_by" varchar, "revocation_idx" bigint, "teacher_id" varchar REFERENCES "teachers" ("id"), "issuer_name" varchar NOT NULL DEFAULT '', "valid_until" varchar, "replaced_by" varchar, "issuer_region" varchar, CHECK ("user_id" IS NOT NULL OR "teacher_id" IS NOT NULL) );
INSERT INTO "certificates__v2" ("id", "number", "kind", "user_id", "class_id", "org_id", "region_code", "holder_name", "project", "class_name", "hours", "issued_on", "record", "note", "ledger_idx", "issued_by", "issued_at", "revoked_at", "revoked_reason", "revoked_by", "revocation_idx") SELECT "id", "number", "kind", "user_id", "class_id", "org_id", "region_code", "holder_name", "project", "class_name", "hours", "issued_on", "record", "note", "ledger_idx", "issued_by", "issued_at", "revoked_at", "revoked_reason", "revoked_by", "revocation_idx" FROM "certificates";
DROP TABLE "certificates";
ALTER TABLE "certificates__v2" RENAME TO "certificates";
CREATE UNIQUE INDEX "uq-certificates-class-user-kind" ON "certificates" ("class_id", "user_id", "kind");
CREATE INDEX "idx-certificates-user_id" ON "certificates" ("user_id");
CREATE INDEX "idx-certificates-region_code" ON "certificates" ("region_code");
CREATE INDEX "idx-certificates-teacher_id" ON "certificates" ("teacher_id");
CREATE UNIQUE INDEX "uq-certificates-teacher-current" ON "certificates" ("teacher_id", "kind") WHERE "teacher_id" IS NOT NULL AND "revoked_at" IS NULL AND "replaced_by" IS NULL;
