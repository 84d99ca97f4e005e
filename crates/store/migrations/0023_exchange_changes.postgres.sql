-- The exchange feeds' change log: which record of which dataset changed in which
-- committed change. `seq` is the audit record's sequence number of that change; the audit
-- head is taken as the last write of every change and held until its commit, so the
-- numbers are in commit order and a reader past N has seen every change up to N.
-- Records that exist already are listed once, before everything (seq 0).
CREATE TABLE "exchange_changes" ( "dataset" varchar NOT NULL, "seq" bigint NOT NULL, "record_id" varchar NOT NULL, CONSTRAINT "pk-exchange_changes" PRIMARY KEY ("dataset", "seq", "record_id") );
INSERT INTO "exchange_changes" ("dataset", "seq", "record_id") SELECT 'learners', 0, "user_id" FROM "learner_profiles";
INSERT INTO "exchange_changes" ("dataset", "seq", "record_id") SELECT 'institutions', 0, "id" FROM "organizations";
INSERT INTO "exchange_changes" ("dataset", "seq", "record_id") SELECT 'qualifications', 0, "id" FROM "occupation_declarations";
INSERT INTO "exchange_changes" ("dataset", "seq", "record_id") SELECT 'classes', 0, "id" FROM "classes";
