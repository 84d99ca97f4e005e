-- Training-project catalogue and occupation declarations.
CREATE TABLE "training_projects" ( "id" varchar NOT NULL PRIMARY KEY, "occupation_code" varchar NOT NULL, "work_type_id" varchar NOT NULL, "skill_level" integer NOT NULL, "training_type" varchar NOT NULL, "business_category" varchar NOT NULL, "theory_hours" integer NOT NULL, "practice_hours" integer NOT NULL, "subsidy_fen" integer NOT NULL, "region_code" varchar NOT NULL, "status" varchar NOT NULL, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "updated_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-training_projects-occupation_code" ON "training_projects" ("occupation_code");
CREATE INDEX "idx-training_projects-region_code" ON "training_projects" ("region_code");
CREATE INDEX "idx-training_projects-status" ON "training_projects" ("status");
CREATE UNIQUE INDEX "idx-training_projects-project" ON "training_projects" ("occupation_code", "work_type_id", "skill_level", "training_type", "region_code");
CREATE TABLE "occupation_declarations" ( "id" varchar NOT NULL PRIMARY KEY, "org_id" varchar NOT NULL, "region_code" varchar NOT NULL, "occupation_code" varchar NOT NULL, "work_type_id" varchar NOT NULL, "skill_level" integer NOT NULL, "status" varchar NOT NULL, "reason" varchar NOT NULL, "submitted_by" varchar NOT NULL, "submitted_at" timestamp_with_timezone_text NOT NULL, "decided_by" varchar NOT NULL, "decided_at" timestamp_with_timezone_text );
CREATE INDEX "idx-occupation_declarations-org_id" ON "occupation_declarations" ("org_id");
CREATE INDEX "idx-occupation_declarations-region_code" ON "occupation_declarations" ("region_code");
CREATE INDEX "idx-occupation_declarations-status" ON "occupation_declarations" ("status");
CREATE UNIQUE INDEX "idx-occupation_declarations-declared" ON "occupation_declarations" ("org_id", "occupation_code", "work_type_id", "skill_level");
