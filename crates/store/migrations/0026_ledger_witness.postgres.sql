-- The evidence log's witnesses (issue 10): what each witness last cosigned, each
-- cosignature kept with its checkpoint, and every run of the full check with its result.
CREATE TABLE "ledger_witnesses" ( "name" varchar NOT NULL PRIMARY KEY, "vkey" varchar NOT NULL, "url" varchar NOT NULL, "cosigned_size" bigint NOT NULL, "last_push_at" timestamp with time zone NULL, "last_ok_at" timestamp with time zone NULL, "last_error" varchar NOT NULL, "updated_at" timestamp with time zone NOT NULL );
CREATE TABLE "ledger_cosignatures" ( "checkpoint_id" varchar NOT NULL REFERENCES "ledger_checkpoints" ("id"), "witness" varchar NOT NULL, "line" varchar NOT NULL, "cosigned_at" timestamp with time zone NOT NULL, PRIMARY KEY ("checkpoint_id", "witness") );
CREATE TABLE "ledger_verify_runs" ( "id" varchar NOT NULL PRIMARY KEY, "started_at" timestamp with time zone NOT NULL, "finished_at" timestamp with time zone NOT NULL, "trigger" varchar NOT NULL, "entries" bigint NOT NULL, "checkpoints" bigint NOT NULL, "problems" bigint NOT NULL, "details" varchar NOT NULL );
CREATE INDEX "idx-ledger_verify_runs-started_at" ON "ledger_verify_runs" ("started_at");
