-- Class sessions and attendance.
CREATE TABLE "class_sessions" ( "id" varchar NOT NULL PRIMARY KEY, "class_id" varchar NOT NULL, "date" varchar NOT NULL, "starts" varchar NOT NULL, "ends" varchar NOT NULL, "topic" varchar NOT NULL, "qr_secret_enc" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-class_sessions-class_id" ON "class_sessions" ("class_id");
CREATE TABLE "attendance" ( "session_id" varchar NOT NULL, "user_id" varchar NOT NULL, "how" varchar NOT NULL, "at" timestamp_with_timezone_text NOT NULL, CONSTRAINT "pk-attendance" PRIMARY KEY ("session_id", "user_id") );
