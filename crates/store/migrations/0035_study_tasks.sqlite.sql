-- Study tasks (点播学习任务, issue 12): the courses a class's learners study online, from
-- when to when; the version is kept (a later version does not change a class's course).
CREATE TABLE "study_tasks" ( "id" varchar NOT NULL PRIMARY KEY, "class_id" varchar NOT NULL REFERENCES "classes" ("id"), "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "package_id" varchar NOT NULL REFERENCES "course_packages" ("id"), "version_id" varchar NOT NULL REFERENCES "course_package_versions" ("id"), "starts_on" varchar NOT NULL, "ends_on" varchar NOT NULL, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL );
CREATE UNIQUE INDEX "uq-study_tasks-course" ON "study_tasks" ("class_id", "package_id");
