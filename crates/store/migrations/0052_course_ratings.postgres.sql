-- Course ratings (课程评价, issue 16): one rating per learner and package (unique: a
-- second rating updates the first), four counts of 1–5 stars (CHECK), a comment held for
-- an operator when it has a sensitive word, the provider's reply and the operator's
-- answer. Learners' suggestions of courses they want (希望新增课程).
CREATE TABLE "course_ratings" ( "id" varchar NOT NULL PRIMARY KEY, "package_id" varchar NOT NULL REFERENCES "course_packages" ("id"), "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "user_id" varchar NOT NULL REFERENCES "users" ("id"), "content" integer NOT NULL CHECK ("content" BETWEEN 1 AND 5), "picture" integer NOT NULL CHECK ("picture" BETWEEN 1 AND 5), "relevance" integer NOT NULL CHECK ("relevance" BETWEEN 1 AND 5), "gain" integer NOT NULL CHECK ("gain" BETWEEN 1 AND 5), "comment" varchar NOT NULL, "status" varchar NOT NULL, "hits" varchar NOT NULL, "featured" bool NOT NULL, "reply" varchar, "replied_at" timestamp with time zone, "answer" varchar, "answered_at" timestamp with time zone, "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL );
CREATE UNIQUE INDEX "uq-course_ratings-user" ON "course_ratings" ("package_id", "user_id");
CREATE INDEX "idx-course_ratings-org" ON "course_ratings" ("org_id");
CREATE TABLE "course_suggestions" ( "id" varchar NOT NULL PRIMARY KEY, "user_id" varchar NOT NULL REFERENCES "users" ("id"), "text" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-course_suggestions-created" ON "course_suggestions" ("created_at");
