-- Classes and enrollments.
CREATE TABLE "classes" ( "id" varchar NOT NULL PRIMARY KEY, "org_id" varchar NOT NULL, "region_code" varchar NOT NULL, "project_id" varchar NOT NULL, "occupation_code" varchar NOT NULL, "name" varchar NOT NULL, "delivery" varchar NOT NULL, "start_date" varchar NOT NULL, "end_date" varchar NOT NULL, "location" varchar NOT NULL, "capacity" integer NOT NULL, "theory_hours" integer NOT NULL, "practice_hours" integer NOT NULL, "status" varchar NOT NULL, "status_reason" varchar NOT NULL, "enrolled" integer NOT NULL, "created_by" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-classes-org_id" ON "classes" ("org_id");
CREATE INDEX "idx-classes-region_code" ON "classes" ("region_code");
CREATE INDEX "idx-classes-project_id" ON "classes" ("project_id");
CREATE INDEX "idx-classes-start_date" ON "classes" ("start_date");
CREATE INDEX "idx-classes-status" ON "classes" ("status");
CREATE TABLE "enrollments" ( "id" varchar NOT NULL PRIMARY KEY, "class_id" varchar NOT NULL, "user_id" varchar NOT NULL, "project_id" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-enrollments-class_id" ON "enrollments" ("class_id");
CREATE INDEX "idx-enrollments-user_id" ON "enrollments" ("user_id");
CREATE INDEX "idx-enrollments-project_id" ON "enrollments" ("project_id");
CREATE UNIQUE INDEX "idx-enrollments-member" ON "enrollments" ("class_id", "user_id");
