-- The open API for course platforms (开放接口, issue 16): a provider's signing keys (the
-- secret encrypted, an optional address allowlist, revocable), the nonces each key has
-- used (a second use is a replay), the writes done under an Idempotency-Key with their
-- answers (replayed to a retry), the provider's webhook endpoint, the events for it and
-- each delivery attempt.
CREATE TABLE "provider_api_keys" ( "id" varchar NOT NULL PRIMARY KEY, "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "name" varchar NOT NULL, "secret_enc" varchar NOT NULL, "ip_allowlist" varchar NOT NULL, "created_by" varchar NOT NULL REFERENCES "users" ("id"), "created_at" timestamp with time zone NOT NULL, "revoked_at" timestamp with time zone, "last_used_at" timestamp with time zone );
CREATE INDEX "idx-provider_api_keys-org" ON "provider_api_keys" ("org_id");
CREATE TABLE "provider_api_nonces" ( "key_id" varchar NOT NULL REFERENCES "provider_api_keys" ("id"), "nonce" varchar NOT NULL, "seen_at" timestamp with time zone NOT NULL, CONSTRAINT "pk-provider_api_nonces" PRIMARY KEY ("key_id", "nonce") );
CREATE INDEX "idx-provider_api_nonces-seen" ON "provider_api_nonces" ("seen_at");
CREATE TABLE "provider_api_requests" ( "key_id" varchar NOT NULL REFERENCES "provider_api_keys" ("id"), "idem_key" varchar NOT NULL, "request_sha256" varchar NOT NULL, "state" varchar NOT NULL CHECK ("state" IN ('pending', 'done')), "response_status" integer, "response_type" varchar NOT NULL, "response_body" text NOT NULL, "created_at" timestamp with time zone NOT NULL, "completed_at" timestamp with time zone, CONSTRAINT "pk-provider_api_requests" PRIMARY KEY ("key_id", "idem_key") );
CREATE INDEX "idx-provider_api_requests-created" ON "provider_api_requests" ("created_at");
CREATE TABLE "webhook_endpoints" ( "org_id" varchar NOT NULL PRIMARY KEY REFERENCES "organizations" ("id"), "url" varchar NOT NULL, "secret_enc" varchar NOT NULL, "created_by" varchar NOT NULL REFERENCES "users" ("id"), "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL );
CREATE TABLE "webhook_events" ( "id" varchar NOT NULL PRIMARY KEY, "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "kind" varchar NOT NULL, "payload" text NOT NULL, "created_at" timestamp with time zone NOT NULL, "delivered_at" timestamp with time zone, "attempts" integer NOT NULL, "last_status" integer, "last_error" varchar NOT NULL );
CREATE INDEX "idx-webhook_events-org" ON "webhook_events" ("org_id", "created_at");
CREATE TABLE "webhook_attempts" ( "id" varchar NOT NULL PRIMARY KEY, "event_id" varchar NOT NULL REFERENCES "webhook_events" ("id"), "at" timestamp with time zone NOT NULL, "url" varchar NOT NULL, "status" integer, "error" varchar NOT NULL, "millis" integer NOT NULL );
CREATE INDEX "idx-webhook_attempts-event" ON "webhook_attempts" ("event_id");
