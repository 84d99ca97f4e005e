-- Teachers, their institutions, their class bookings.
CREATE TABLE "teachers" ( "id" varchar NOT NULL PRIMARY KEY, "name" varchar NOT NULL, "id_number_enc" varchar NOT NULL, "id_number_bidx" varchar NOT NULL UNIQUE, "subjects" varchar NOT NULL, "level" varchar NOT NULL, "qualifications" varchar NOT NULL, "years_teaching" integer NOT NULL, "experience" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "updated_at" timestamp_with_timezone_text NOT NULL );
CREATE TABLE "teacher_links" ( "id" varchar NOT NULL PRIMARY KEY, "teacher_id" varchar NOT NULL, "org_id" varchar NOT NULL, "region_code" varchar NOT NULL, "full_time" boolean NOT NULL, "status" varchar NOT NULL, "reason" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "decided_at" timestamp_with_timezone_text );
CREATE INDEX "idx-teacher_links-teacher_id" ON "teacher_links" ("teacher_id");
CREATE INDEX "idx-teacher_links-org_id" ON "teacher_links" ("org_id");
CREATE INDEX "idx-teacher_links-region_code" ON "teacher_links" ("region_code");
CREATE INDEX "idx-teacher_links-status" ON "teacher_links" ("status");
CREATE UNIQUE INDEX "idx-teacher_links-teacher_org" ON "teacher_links" ("teacher_id", "org_id");
CREATE TABLE "teacher_bookings" ( "id" varchar NOT NULL PRIMARY KEY, "teacher_id" varchar NOT NULL, "class_id" varchar NOT NULL, "start_date" varchar NOT NULL, "end_date" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-teacher_bookings-teacher_id" ON "teacher_bookings" ("teacher_id");
CREATE INDEX "idx-teacher_bookings-class_id" ON "teacher_bookings" ("class_id");
CREATE UNIQUE INDEX "idx-teacher_bookings-booked" ON "teacher_bookings" ("teacher_id", "class_id");
