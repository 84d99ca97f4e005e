-- Learners' applications to join recruiting classes.
CREATE TABLE "class_applications" ( "id" varchar NOT NULL PRIMARY KEY, "class_id" varchar NOT NULL, "user_id" varchar NOT NULL, "status" varchar NOT NULL, "reason" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "decided_at" timestamp with time zone, "decided_by" varchar );
CREATE INDEX "idx-class_applications-class_id" ON "class_applications" ("class_id");
CREATE INDEX "idx-class_applications-user_id" ON "class_applications" ("user_id");
CREATE UNIQUE INDEX "idx-class_applications-applicant" ON "class_applications" ("class_id", "user_id");
