-- Teacher qualification certificates (师资上岗资格, issue 13) share the certificates
-- table: a certificate is held by a learner (user_id) or by a teacher of the pool
-- (teacher_id), never neither; it may name its issuer in words (a regulator's
-- department, with its region) and carry an expiry date. A teacher holds at most one current
-- qualification: a renewal marks the old one replaced, a revocation ends it.
ALTER TABLE "certificates" ALTER COLUMN "user_id" DROP NOT NULL;
ALTER TABLE "certificates" ADD COLUMN "teacher_id" varchar REFERENCES "teachers" ("id");
ALTER TABLE "certificates" ADD COLUMN "issuer_name" varchar NOT NULL DEFAULT '';
ALTER TABLE "certificates" ADD COLUMN "valid_until" varchar;
ALTER TABLE "certificates" ADD COLUMN "replaced_by" varchar;
ALTER TABLE "certificates" ADD COLUMN "issuer_region" varchar;
ALTER TABLE "certificates" ADD CONSTRAINT "ck-certificates-holder" CHECK ("user_id" IS NOT NULL OR "teacher_id" IS NOT NULL);
CREATE INDEX "idx-certificates-teacher_id" ON "certificates" ("teacher_id");
CREATE UNIQUE INDEX "uq-certificates-teacher-current" ON "certificates" ("teacher_id", "kind") WHERE "teacher_id" IS NOT NULL AND "revoked_at" IS NULL AND "replaced_by" IS NULL;
