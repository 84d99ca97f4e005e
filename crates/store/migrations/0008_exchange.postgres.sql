-- Data exchange clients and their used nonces.
CREATE TABLE "exchange_clients" ( "id" varchar NOT NULL PRIMARY KEY, "name" varchar NOT NULL, "secret_enc" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "revoked_at" timestamp with time zone );
CREATE TABLE "exchange_nonces" ( "client_id" varchar NOT NULL, "nonce" varchar NOT NULL, "seen_at" timestamp with time zone NOT NULL, CONSTRAINT "pk-exchange_nonces" PRIMARY KEY ("client_id", "nonce") );
CREATE INDEX "idx-exchange_nonces-seen_at" ON "exchange_nonces" ("seen_at");
