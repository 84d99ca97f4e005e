-- The evidence log (issue 10): leaves, the stored tree hashes, the size (one row, locked
-- by every append) and every signed checkpoint.
CREATE TABLE "ledger_entries" ( "idx" bigint NOT NULL PRIMARY KEY, "kind" varchar NOT NULL, "record_id" varchar NOT NULL, "record_sha256" varchar NOT NULL, "at" timestamp_with_timezone_text NOT NULL, "org_id" varchar NOT NULL, "entry" varchar NOT NULL );
CREATE UNIQUE INDEX "ux-ledger_entries-fact" ON "ledger_entries" ("kind", "record_id", "record_sha256");
CREATE TABLE "ledger_hashes" ( "idx" bigint NOT NULL PRIMARY KEY, "hash" varchar NOT NULL );
CREATE TABLE "ledger_head" ( "id" integer NOT NULL PRIMARY KEY, "size" bigint NOT NULL );
INSERT INTO "ledger_head" ("id", "size") VALUES (1, 0);
CREATE TABLE "ledger_checkpoints" ( "id" varchar NOT NULL PRIMARY KEY, "size" bigint NOT NULL, "root" varchar NOT NULL, "signed_at" timestamp_with_timezone_text NOT NULL, "key_id" varchar NOT NULL, "note" varchar NOT NULL );
CREATE INDEX "idx-ledger_checkpoints-size" ON "ledger_checkpoints" ("size");
