-- An append to the evidence log (issue 10) is now one statement: the entry takes the
-- head's size as its index, reading the head row FOR UPDATE (so concurrent appends
-- queue and each reads the size the one before left), and this trigger moves the head
-- on; a fact already in the log inserts nothing and leaves the head alone. The stored
-- hashes are written after the fact, in batches: "size" in ledger_sealed is how many
-- leaves have them. Logs before this migration were hashed as they grew.
CREATE TABLE "ledger_sealed" ( "id" integer NOT NULL PRIMARY KEY, "size" bigint NOT NULL );
INSERT INTO "ledger_sealed" ("id", "size") SELECT "id", "size" FROM "ledger_head" WHERE "id" = 1;
CREATE FUNCTION "ledger_advance_head"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE "ledger_head" SET "size" = "size" + 1 WHERE "id" = 1; RETURN NULL; END $$;
CREATE TRIGGER "ledger_entries_advance_head" AFTER INSERT ON "ledger_entries" FOR EACH ROW EXECUTE FUNCTION "ledger_advance_head"();
