-- Seeking forward (拖动) past what was watched (issue 12): a switch per course version and
-- per class study task; both must allow it. Off by default.
ALTER TABLE "course_package_versions" ADD COLUMN "free_seek" boolean NOT NULL DEFAULT false;
ALTER TABLE "study_tasks" ADD COLUMN "free_seek" boolean NOT NULL DEFAULT false;
