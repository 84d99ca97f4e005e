-- The audit chain's algorithm per record: 1 = SHA-256 without the actor's name (records
-- written before), 2 = HMAC-SHA-256 under a key outside the database over every column.
ALTER TABLE "audit_log" ADD COLUMN "alg" smallint NOT NULL DEFAULT 1;
