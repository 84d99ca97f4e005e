-- Course packages (issue 11): a package, its versions (each reviewed), chapters and lessons.
CREATE TABLE "course_packages" ( "id" varchar NOT NULL PRIMARY KEY, "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "region_code" varchar NOT NULL REFERENCES "regions" ("code"), "source" varchar NOT NULL, "name" varchar NOT NULL, "listing" varchar NOT NULL, "listed_version_id" varchar NOT NULL, "listing_reason" varchar NOT NULL, "latest_version" integer NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "updated_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-course_packages-org_id" ON "course_packages" ("org_id");
CREATE INDEX "idx-course_packages-region_code" ON "course_packages" ("region_code");
CREATE INDEX "idx-course_packages-listing" ON "course_packages" ("listing");
CREATE TABLE "course_package_versions" ( "id" varchar NOT NULL PRIMARY KEY, "package_id" varchar NOT NULL REFERENCES "course_packages" ("id"), "org_id" varchar NOT NULL, "region_code" varchar NOT NULL, "number" integer NOT NULL, "status" varchar NOT NULL, "name" varchar NOT NULL, "cover_key" varchar NOT NULL, "intro" varchar NOT NULL, "audience" varchar NOT NULL, "content" varchar NOT NULL, "declared_hours" integer NOT NULL, "occupation_code" varchar NOT NULL REFERENCES "occupations" ("code"), "work_type_id" varchar NOT NULL, "skill_level" integer NOT NULL, "training_type" varchar NOT NULL, "course_type" varchar NOT NULL, "price_fen" integer NOT NULL, "copyright_key" varchar NOT NULL, "copyright_filename" varchar NOT NULL, "review_level" integer NOT NULL, "review_levels" integer NOT NULL, "review_round" integer NOT NULL, "review_steps" varchar NOT NULL, "warnings" varchar NOT NULL, "submitted_at" timestamp_with_timezone_text, "decided_at" timestamp_with_timezone_text, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "updated_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-course_package_versions-package_id" ON "course_package_versions" ("package_id");
CREATE INDEX "idx-course_package_versions-org_id" ON "course_package_versions" ("org_id");
CREATE INDEX "idx-course_package_versions-status" ON "course_package_versions" ("status");
CREATE TABLE "course_chapters" ( "id" varchar NOT NULL PRIMARY KEY, "version_id" varchar NOT NULL REFERENCES "course_package_versions" ("id"), "position" integer NOT NULL, "title" varchar NOT NULL );
CREATE INDEX "idx-course_chapters-version_id" ON "course_chapters" ("version_id");
CREATE TABLE "course_lessons" ( "id" varchar NOT NULL PRIMARY KEY, "version_id" varchar NOT NULL REFERENCES "course_package_versions" ("id"), "chapter_id" varchar NOT NULL REFERENCES "course_chapters" ("id"), "position" integer NOT NULL, "title" varchar NOT NULL, "kind" varchar NOT NULL, "body" varchar NOT NULL, "media_id" varchar NOT NULL, "seconds" integer, "preview" boolean NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-course_lessons-version_id" ON "course_lessons" ("version_id");
CREATE INDEX "idx-course_lessons-chapter_id" ON "course_lessons" ("chapter_id");
CREATE UNIQUE INDEX "uq-course_package_versions-number" ON "course_package_versions" ("package_id", "number");
-- At most one version of a package is open for writing or in review.
CREATE UNIQUE INDEX "uq-course_package_versions-open" ON "course_package_versions" ("package_id") WHERE "status" IN ('draft', 'in_review', 'returned');
CREATE UNIQUE INDEX "uq-course_chapters-title" ON "course_chapters" ("version_id", "title");
-- Lesson titles are unique within a package version.
CREATE UNIQUE INDEX "uq-course_lessons-title" ON "course_lessons" ("version_id", "title");
CREATE INDEX "idx-course_packages-listing-updated" ON "course_packages" ("listing", "updated_at");

-- The expert pool, expert groups and the decisions of course reviews.
CREATE TABLE "experts" ( "id" varchar NOT NULL PRIMARY KEY, "user_id" varchar NOT NULL UNIQUE REFERENCES "users" ("id"), "name" varchar NOT NULL, "unit_name" varchar NOT NULL, "unit_credit_code" varchar NOT NULL, "title" varchar NOT NULL, "position" varchar NOT NULL, "specialities" varchar NOT NULL, "group_id" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-experts-group_id" ON "experts" ("group_id");
CREATE TABLE "expert_groups" ( "id" varchar NOT NULL PRIMARY KEY, "name" varchar NOT NULL UNIQUE, "leader_id" varchar NOT NULL, "categories" varchar NOT NULL, "course_types" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL );
CREATE TABLE "course_reviews" ( "id" varchar NOT NULL PRIMARY KEY, "version_id" varchar NOT NULL REFERENCES "course_package_versions" ("id"), "package_id" varchar NOT NULL REFERENCES "course_packages" ("id"), "round" integer NOT NULL, "level" integer NOT NULL, "step" varchar NOT NULL, "reviewer_id" varchar NOT NULL, "reviewer_name" varchar NOT NULL, "decision" varchar NOT NULL, "comments" varchar NOT NULL, "checklist" varchar NOT NULL, "decided_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-course_reviews-version_id" ON "course_reviews" ("version_id");
CREATE INDEX "idx-course_reviews-package_id" ON "course_reviews" ("package_id");
CREATE INDEX "idx-course_reviews-reviewer_id" ON "course_reviews" ("reviewer_id");
-- One decision per level of each round of a version's review.
CREATE UNIQUE INDEX "uq-course_reviews-level" ON "course_reviews" ("version_id", "round", "level");
