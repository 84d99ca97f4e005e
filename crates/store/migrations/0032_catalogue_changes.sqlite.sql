-- Each node's catalogue index reads the packages changed since its last look at every
-- search: by `updated_at` alone.
CREATE INDEX "idx-course_packages-updated_at" ON "course_packages" ("updated_at");
