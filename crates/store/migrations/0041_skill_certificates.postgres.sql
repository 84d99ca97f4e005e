-- Skill-level certificates (issue 13): imported from appraisal organisations' result
-- sheets and linked to learners; one row per certificate number.
CREATE TABLE "skill_certificates" ( "id" varchar NOT NULL PRIMARY KEY, "number" varchar NOT NULL UNIQUE, "user_id" varchar NOT NULL REFERENCES "users" ("id"), "holder_name" varchar NOT NULL, "occupation_code" varchar NOT NULL REFERENCES "occupations" ("code"), "occupation_name" varchar NOT NULL, "level" integer NOT NULL, "issuer" varchar NOT NULL, "issued_on" varchar NOT NULL, "region_code" varchar NOT NULL, "imported_by" varchar NOT NULL REFERENCES "users" ("id"), "imported_at" timestamp with time zone NOT NULL, CHECK ("level" BETWEEN 1 AND 5) );
CREATE INDEX "idx-skill_certificates-user_id" ON "skill_certificates" ("user_id");
CREATE INDEX "idx-skill_certificates-region_code" ON "skill_certificates" ("region_code");
