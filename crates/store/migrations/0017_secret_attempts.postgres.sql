-- One throttling layer for every secret a person types: failures per subject and window,
-- counted before the check. The per-account and per-code columns it replaces go.
CREATE TABLE "secret_attempts" ( "key" varchar NOT NULL PRIMARY KEY, "failures" integer NOT NULL, "window_ends" timestamp with time zone NOT NULL );
ALTER TABLE "users" DROP COLUMN "failed_logins";
ALTER TABLE "users" DROP COLUMN "locked_until";
ALTER TABLE "sms_codes" DROP COLUMN "attempts";
