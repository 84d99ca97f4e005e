-- The question bank of a course version (issue 11): copied with the version, frozen with it.
CREATE TABLE "course_questions" ( "id" varchar NOT NULL PRIMARY KEY, "version_id" varchar NOT NULL REFERENCES "course_package_versions" ("id"), "position" integer NOT NULL, "kind" varchar NOT NULL, "stem" varchar NOT NULL, "options" varchar NOT NULL, "answer" varchar NOT NULL, "explanation" varchar NOT NULL, "knowledge_point" varchar NOT NULL, "difficulty" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-course_questions-version_id" ON "course_questions" ("version_id");
CREATE UNIQUE INDEX "uq-course_questions-stem" ON "course_questions" ("version_id", "stem");
