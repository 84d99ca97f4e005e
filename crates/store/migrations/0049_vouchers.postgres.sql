-- Training vouchers (职业培训券, issue 15), individual claims (个人补贴) and the documents
-- an institution attaches to a claim.
-- An issue gives one voucher to each person it names (unique per issue and person); a
-- voucher is held for at most one class, and a person uses at most one voucher per class
-- (partial unique index); an issue name is used once (a form sent twice issues once); a
-- voucher is bound to a class exactly while held or redeemed
-- (CHECK). Claims gain the applicant: '' for an institution's claim of the whole class,
-- the learner's id for their own claim; one claim per class, policy and applicant.
CREATE TABLE "voucher_issues" ( "id" varchar NOT NULL PRIMARY KEY, "number" varchar NOT NULL, "name" varchar NOT NULL, "method" varchar NOT NULL, "value_fen" bigint NOT NULL CHECK ("value_fen" > 0), "projects" varchar NOT NULL, "categories" varchar NOT NULL, "valid_from" varchar NOT NULL, "valid_until" varchar NOT NULL, "issued" integer NOT NULL, "created_by" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, CHECK ("valid_from" <= "valid_until") );
CREATE UNIQUE INDEX "uq-voucher_issues-number" ON "voucher_issues" ("number");
CREATE UNIQUE INDEX "uq-voucher_issues-name" ON "voucher_issues" ("name");
CREATE TABLE "vouchers" ( "id" varchar NOT NULL PRIMARY KEY, "number" varchar NOT NULL, "issue_id" varchar NOT NULL REFERENCES "voucher_issues" ("id"), "user_id" varchar NOT NULL REFERENCES "users" ("id"), "name" varchar NOT NULL, "region_code" varchar NOT NULL, "value_fen" bigint NOT NULL CHECK ("value_fen" > 0), "projects" varchar NOT NULL, "valid_from" varchar NOT NULL, "valid_until" varchar NOT NULL, "status" varchar NOT NULL, "class_id" varchar REFERENCES "classes" ("id"), "org_id" varchar REFERENCES "organizations" ("id"), "used_at" timestamp with time zone, "redeemed_at" timestamp with time zone, "redeemed_by" varchar, "ledger_idx" bigint, "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL, CHECK (("status" IN ('held', 'redeemed')) = ("class_id" IS NOT NULL)), CHECK (("status" = 'redeemed') = ("redeemed_at" IS NOT NULL)) );
CREATE UNIQUE INDEX "uq-vouchers-number" ON "vouchers" ("number");
CREATE UNIQUE INDEX "uq-vouchers-holder" ON "vouchers" ("issue_id", "user_id");
CREATE UNIQUE INDEX "uq-vouchers-class" ON "vouchers" ("class_id", "user_id") WHERE "class_id" IS NOT NULL;
CREATE INDEX "idx-vouchers-user" ON "vouchers" ("user_id");
CREATE INDEX "idx-vouchers-region" ON "vouchers" ("region_code");
ALTER TABLE "subsidy_claims" ADD COLUMN "applicant_id" varchar NOT NULL DEFAULT '';
DROP INDEX "uq-subsidy_claims-class";
CREATE UNIQUE INDEX "uq-subsidy_claims-class" ON "subsidy_claims" ("class_id", "policy_id", "applicant_id");
CREATE TABLE "subsidy_claim_documents" ( "id" varchar NOT NULL PRIMARY KEY, "claim_id" varchar NOT NULL REFERENCES "subsidy_claims" ("id"), "filename" varchar NOT NULL, "content_type" varchar NOT NULL, "size" bigint NOT NULL CHECK ("size" > 0), "sha256" varchar NOT NULL, "storage_key" varchar NOT NULL, "uploaded_by" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-subsidy_claim_documents-claim" ON "subsidy_claim_documents" ("claim_id");
