-- Document lessons (issue 11): a course file is a video or a PDF; a PDF's pages are rendered
-- to images and shown one by one, never handed out as a file.
ALTER TABLE "course_media" ADD COLUMN "kind" varchar NOT NULL DEFAULT 'video';
ALTER TABLE "course_media" ADD COLUMN "pages" integer NOT NULL DEFAULT 0;
