-- Spot checks of study records (学习记录抽查, issue 12): a regulator draws a random sample
-- of a class's learners, reads their study records and records one verdict; the
-- institution acknowledges it. One open spot check per class and inspector.
CREATE TABLE "study_spot_checks" ( "id" varchar NOT NULL PRIMARY KEY, "class_id" varchar NOT NULL REFERENCES "classes" ("id"), "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "region_code" varchar NOT NULL REFERENCES "regions" ("code"), "inspector_id" varchar NOT NULL REFERENCES "users" ("id"), "inspector_name" varchar NOT NULL, "sample" varchar NOT NULL, "drawn_at" timestamp with time zone NOT NULL, "qualified" boolean, "remarks" varchar NOT NULL, "decided_at" timestamp with time zone, "acknowledged_at" timestamp with time zone, "acknowledged_by" varchar );
CREATE UNIQUE INDEX "uq-study_spot_checks-open" ON "study_spot_checks" ("class_id", "inspector_id") WHERE "decided_at" IS NULL;
CREATE INDEX "idx-study_spot_checks-class" ON "study_spot_checks" ("class_id");
CREATE INDEX "idx-study_spot_checks-org" ON "study_spot_checks" ("org_id", "acknowledged_at");
