-- An append to the evidence log (issue 10) is now one statement: on SQLite the entry
-- takes the next index from the entries' own key (MAX(idx) + 1, serialised by the write
-- lock), so no head row is rewritten by every append (PostgreSQL keeps its head row,
-- read FOR UPDATE, and moves it on with a trigger). The stored hashes are written after the
-- fact, in batches: "size" here is how many leaves have them. Logs before this
-- migration were hashed as they grew.
CREATE TABLE "ledger_sealed" ( "id" integer NOT NULL PRIMARY KEY, "size" bigint NOT NULL );
INSERT INTO "ledger_sealed" ("id", "size") SELECT "id", "size" FROM "ledger_head" WHERE "id" = 1;
DROP TABLE "ledger_head";
-- On SQLite the index becomes the table's own key (INTEGER PRIMARY KEY is the rowid):
-- an entry or a stored hash is then one B-tree insert instead of two, and the last
-- index is read from the end of the table.
CREATE TABLE "ledger_entries_by_rowid" ( "idx" INTEGER NOT NULL PRIMARY KEY, "kind" varchar NOT NULL, "record_id" varchar NOT NULL, "record_sha256" varchar NOT NULL, "at" timestamp_with_timezone_text NOT NULL, "org_id" varchar NOT NULL, "entry" varchar NOT NULL );
INSERT INTO "ledger_entries_by_rowid" ("idx", "kind", "record_id", "record_sha256", "at", "org_id", "entry") SELECT "idx", "kind", "record_id", "record_sha256", "at", "org_id", "entry" FROM "ledger_entries";
DROP TABLE "ledger_entries";
ALTER TABLE "ledger_entries_by_rowid" RENAME TO "ledger_entries";
CREATE UNIQUE INDEX "ux-ledger_entries-fact" ON "ledger_entries" ("kind", "record_id", "record_sha256");
CREATE TABLE "ledger_hashes_by_rowid" ( "idx" INTEGER NOT NULL PRIMARY KEY, "hash" varchar NOT NULL );
INSERT INTO "ledger_hashes_by_rowid" ("idx", "hash") SELECT "idx", "hash" FROM "ledger_hashes";
DROP TABLE "ledger_hashes";
ALTER TABLE "ledger_hashes_by_rowid" RENAME TO "ledger_hashes";
