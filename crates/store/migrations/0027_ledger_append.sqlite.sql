-- The evidence log's stored hashes are written after the fact (issue 10): an append only
-- numbers and inserts its entry; the hashes of leaves below "size" here are written in
-- one batch before the next checkpoint or proof needs them. Logs before this migration
-- were hashed as they grew.
CREATE TABLE "ledger_sealed" ( "id" integer NOT NULL PRIMARY KEY, "size" bigint NOT NULL );
INSERT INTO "ledger_sealed" ("id", "size") SELECT "id", "size" FROM "ledger_head" WHERE "id" = 1;
-- An entry takes the head's size as its index in the same statement that inserts it;
-- this trigger moves the head on, so an append is one statement (and a fact already in
-- the log, which inserts nothing, leaves the head alone).
CREATE TRIGGER "ledger_entries_advance_head" AFTER INSERT ON "ledger_entries" BEGIN UPDATE "ledger_head" SET "size" = "size" + 1 WHERE "id" = 1; END;
