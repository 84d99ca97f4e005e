-- Learners: profiles, organisation links, SMS codes, import jobs.
CREATE TABLE "learner_profiles" ( "user_id" varchar NOT NULL PRIMARY KEY, "person_category" varchar NOT NULL, "education" varchar NOT NULL, "gender" varchar NOT NULL, "birth_date" varchar NOT NULL, "region_code" varchar NOT NULL, "source" varchar NOT NULL, "imported_by_org" varchar NOT NULL, "activated" bool NOT NULL, "created_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-learner_profiles-region_code" ON "learner_profiles" ("region_code");
CREATE INDEX "idx-learner_profiles-imported_by_org" ON "learner_profiles" ("imported_by_org");
CREATE TABLE "org_learners" ( "org_id" varchar NOT NULL, "user_id" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, CONSTRAINT "pk-org_learners" PRIMARY KEY ("org_id", "user_id") );
CREATE TABLE "sms_codes" ( "id" varchar NOT NULL PRIMARY KEY, "phone_bidx" varchar NOT NULL, "purpose" varchar NOT NULL, "code_hash" varchar NOT NULL, "expires_at" timestamp with time zone NOT NULL, "attempts" integer NOT NULL, "used" bool NOT NULL, "created_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-sms_codes-phone_bidx" ON "sms_codes" ("phone_bidx");
CREATE TABLE "import_jobs" ( "id" varchar NOT NULL PRIMARY KEY, "org_id" varchar NOT NULL, "created_by" varchar NOT NULL, "mode" varchar NOT NULL, "status" varchar NOT NULL, "total_rows" integer NOT NULL, "processed_rows" integer NOT NULL, "good_rows" integer NOT NULL, "bad_rows" integer NOT NULL, "imported_rows" integer NOT NULL, "report" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "finished_at" timestamp with time zone );
CREATE INDEX "idx-import_jobs-org_id" ON "import_jobs" ("org_id");
CREATE INDEX "idx-org_learners-user_id" ON "org_learners" ("user_id");
