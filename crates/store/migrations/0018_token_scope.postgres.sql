-- API tokens carry a scope: `read` (GET only) or `full` (all the owner may do).
ALTER TABLE "api_tokens" ADD COLUMN "scope" varchar NOT NULL DEFAULT 'full';
