-- Work types (工种) under occupations.
CREATE TABLE "work_types" ( "id" varchar NOT NULL PRIMARY KEY, "occupation_code" varchar NOT NULL, "code" varchar NOT NULL UNIQUE, "name" varchar NOT NULL, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-work_types-occupation_code" ON "work_types" ("occupation_code");
