-- Foreign keys (issue 9): every link from a row to the row it belongs to or names from
-- the reference data. Columns that record who acted (created_by, decided_by, reviewer_id,
-- inspector_id, uploaded_by, …) are not constrained: they may name the platform itself
-- ("system") and the audit trail is their record. Columns where '' means "none" and that
-- take part in a one-per rule (work_type_id, a project's province-wide region_code) are
-- checked by the application. Polymorphic ids (audit_log, review_decisions,
-- exchange_changes) are not constrained.

ALTER TABLE "organizations" ADD CONSTRAINT "fk-organizations-region_code" FOREIGN KEY ("region_code") REFERENCES "regions" ("code");
ALTER TABLE "role_grants" ADD CONSTRAINT "fk-role_grants-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "role_grants" ADD CONSTRAINT "fk-role_grants-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "sessions" ADD CONSTRAINT "fk-sessions-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "api_tokens" ADD CONSTRAINT "fk-api_tokens-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "organization_versions" ADD CONSTRAINT "fk-organization_versions-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "organization_annual_reviews" ADD CONSTRAINT "fk-organization_annual_reviews-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "work_types" ADD CONSTRAINT "fk-work_types-occupation_code" FOREIGN KEY ("occupation_code") REFERENCES "occupations" ("code");
ALTER TABLE "training_projects" ADD CONSTRAINT "fk-training_projects-occupation_code" FOREIGN KEY ("occupation_code") REFERENCES "occupations" ("code");
ALTER TABLE "occupation_declarations" ADD CONSTRAINT "fk-occupation_declarations-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "occupation_declarations" ADD CONSTRAINT "fk-occupation_declarations-region_code" FOREIGN KEY ("region_code") REFERENCES "regions" ("code");
ALTER TABLE "occupation_declarations" ADD CONSTRAINT "fk-occupation_declarations-occupation_code" FOREIGN KEY ("occupation_code") REFERENCES "occupations" ("code");
ALTER TABLE "learner_profiles" ADD CONSTRAINT "fk-learner_profiles-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "org_learners" ADD CONSTRAINT "fk-org_learners-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "org_learners" ADD CONSTRAINT "fk-org_learners-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "import_jobs" ADD CONSTRAINT "fk-import_jobs-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "classes" ADD CONSTRAINT "fk-classes-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "classes" ADD CONSTRAINT "fk-classes-region_code" FOREIGN KEY ("region_code") REFERENCES "regions" ("code");
ALTER TABLE "classes" ADD CONSTRAINT "fk-classes-project_id" FOREIGN KEY ("project_id") REFERENCES "training_projects" ("id");
ALTER TABLE "classes" ADD CONSTRAINT "fk-classes-occupation_code" FOREIGN KEY ("occupation_code") REFERENCES "occupations" ("code");
ALTER TABLE "enrollments" ADD CONSTRAINT "fk-enrollments-class_id" FOREIGN KEY ("class_id") REFERENCES "classes" ("id");
ALTER TABLE "enrollments" ADD CONSTRAINT "fk-enrollments-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "enrollments" ADD CONSTRAINT "fk-enrollments-project_id" FOREIGN KEY ("project_id") REFERENCES "training_projects" ("id");
ALTER TABLE "teacher_links" ADD CONSTRAINT "fk-teacher_links-teacher_id" FOREIGN KEY ("teacher_id") REFERENCES "teachers" ("id");
ALTER TABLE "teacher_links" ADD CONSTRAINT "fk-teacher_links-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "teacher_links" ADD CONSTRAINT "fk-teacher_links-region_code" FOREIGN KEY ("region_code") REFERENCES "regions" ("code");
ALTER TABLE "teacher_bookings" ADD CONSTRAINT "fk-teacher_bookings-teacher_id" FOREIGN KEY ("teacher_id") REFERENCES "teachers" ("id");
ALTER TABLE "teacher_bookings" ADD CONSTRAINT "fk-teacher_bookings-class_id" FOREIGN KEY ("class_id") REFERENCES "classes" ("id");
ALTER TABLE "exchange_nonces" ADD CONSTRAINT "fk-exchange_nonces-client_id" FOREIGN KEY ("client_id") REFERENCES "exchange_clients" ("id");
ALTER TABLE "class_inspections" ADD CONSTRAINT "fk-class_inspections-class_id" FOREIGN KEY ("class_id") REFERENCES "classes" ("id");
ALTER TABLE "class_inspections" ADD CONSTRAINT "fk-class_inspections-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "class_inspections" ADD CONSTRAINT "fk-class_inspections-region_code" FOREIGN KEY ("region_code") REFERENCES "regions" ("code");
ALTER TABLE "class_sessions" ADD CONSTRAINT "fk-class_sessions-class_id" FOREIGN KEY ("class_id") REFERENCES "classes" ("id");
ALTER TABLE "attendance" ADD CONSTRAINT "fk-attendance-session_id" FOREIGN KEY ("session_id") REFERENCES "class_sessions" ("id");
ALTER TABLE "attendance" ADD CONSTRAINT "fk-attendance-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "class_applications" ADD CONSTRAINT "fk-class_applications-class_id" FOREIGN KEY ("class_id") REFERENCES "classes" ("id");
ALTER TABLE "class_applications" ADD CONSTRAINT "fk-class_applications-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "org_documents" ADD CONSTRAINT "fk-org_documents-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "org_link_requests" ADD CONSTRAINT "fk-org_link_requests-org_id" FOREIGN KEY ("org_id") REFERENCES "organizations" ("id");
ALTER TABLE "org_link_requests" ADD CONSTRAINT "fk-org_link_requests-user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "org_link_requests" ADD CONSTRAINT "fk-org_link_requests-import_id" FOREIGN KEY ("import_id") REFERENCES "import_jobs" ("id");
