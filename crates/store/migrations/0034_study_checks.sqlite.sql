-- Watch checks (观看验证, issue 12): kind-tagged records with an outcome; a session's next
-- check time.
ALTER TABLE "study_sessions" ADD COLUMN "next_check_at" timestamp_with_timezone_text;
CREATE TABLE "study_checks" ( "id" varchar NOT NULL PRIMARY KEY, "session_id" varchar NOT NULL REFERENCES "study_sessions" ("id"), "user_id" varchar NOT NULL REFERENCES "users" ("id"), "kind" varchar NOT NULL, "prompt" varchar NOT NULL, "expected" varchar NOT NULL, "outcome" varchar NOT NULL, "issued_at" timestamp_with_timezone_text NOT NULL, "due_at" timestamp_with_timezone_text NOT NULL, "answered_at" timestamp_with_timezone_text );
CREATE INDEX "idx-study_checks-session" ON "study_checks" ("session_id", "outcome");
