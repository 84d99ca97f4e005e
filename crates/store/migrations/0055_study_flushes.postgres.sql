-- Batches of heartbeats written from Redis (issue 17): each batch's name is written in
-- the same transaction as its heartbeats, so a batch that a second node writes again
-- after the first one died (or was only slow) is refused by the primary key: credited once.
CREATE TABLE "study_flushes" ( "id" varchar NOT NULL PRIMARY KEY, "sessions" integer NOT NULL, "at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-study_flushes-at" ON "study_flushes" ("at");
