-- Province question banks (省级题库, issue 13) per occupation, work type (or none: the
-- whole occupation) and level (0: 不定级): written here, or
-- imported from another skill appraisal centre's shared document with its provenance
-- (one row per source bank). Questions are retired, never deleted, so every drawn paper
-- can still be shown and audited; stems are unique among a bank's current questions.
CREATE TABLE "question_banks" ( "id" varchar NOT NULL PRIMARY KEY, "name" varchar NOT NULL, "occupation_code" varchar NOT NULL REFERENCES "occupations" ("code"), "work_type_id" varchar REFERENCES "work_types" ("id"), "level" integer NOT NULL CHECK ("level" BETWEEN 0 AND 5), "origin" varchar NOT NULL, "source_centre_code" varchar, "source_centre" varchar, "source_bank_id" varchar, "source_version" integer, "source_exported_at" varchar, "source_digest" varchar, "version" integer NOT NULL, "created_by" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL, CHECK (("origin" = 'local' AND "source_bank_id" IS NULL) OR ("origin" = 'shared' AND "source_centre_code" IS NOT NULL AND "source_bank_id" IS NOT NULL AND "source_version" IS NOT NULL)) );
CREATE UNIQUE INDEX "uq-question_banks-source" ON "question_banks" ("source_centre_code", "source_bank_id");
CREATE INDEX "idx-question_banks-occupation" ON "question_banks" ("occupation_code", "level");
CREATE TABLE "bank_questions" ( "id" varchar NOT NULL PRIMARY KEY, "bank_id" varchar NOT NULL REFERENCES "question_banks" ("id"), "position" integer NOT NULL, "kind" varchar NOT NULL, "stem" varchar NOT NULL, "options" varchar NOT NULL, "answer" varchar NOT NULL, "explanation" varchar NOT NULL, "knowledge_point" varchar NOT NULL, "difficulty" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "retired_at" timestamp with time zone );
CREATE INDEX "idx-bank_questions-bank" ON "bank_questions" ("bank_id");
CREATE UNIQUE INDEX "uq-bank_questions-stem" ON "bank_questions" ("bank_id", "stem") WHERE "retired_at" IS NULL;
