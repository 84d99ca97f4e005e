-- Settlement statements with course providers (代收代付、协议结算, issue 14): per provider
-- and calendar month, the period's sales and refunds of its courses, the platform's
-- service fee at the agreed rate and the amount due; confirmed or disputed by the
-- provider, paid out by the operator. One statement per provider and month (a unique
-- index), and its figures add up (a CHECK).
CREATE TABLE "settlements" ( "id" varchar NOT NULL PRIMARY KEY, "provider_org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "period" varchar NOT NULL, "orders" integer NOT NULL, "sales_fen" integer NOT NULL CHECK ("sales_fen" >= 0), "refunds_fen" integer NOT NULL CHECK ("refunds_fen" >= 0), "fee_rate_bp" integer NOT NULL CHECK ("fee_rate_bp" BETWEEN 0 AND 5000), "fee_fen" integer NOT NULL CHECK ("fee_fen" >= 0), "due_fen" integer NOT NULL, "status" varchar NOT NULL, "dispute_reason" varchar NOT NULL, "payout_ref" varchar, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "confirmed_by" varchar, "confirmed_at" timestamp_with_timezone_text, "paid_by" varchar, "paid_at" timestamp_with_timezone_text, "updated_at" timestamp_with_timezone_text NOT NULL, CHECK ("due_fen" = "sales_fen" - "refunds_fen" - "fee_fen"), CHECK ("status" <> 'paid' OR "payout_ref" IS NOT NULL) );
CREATE UNIQUE INDEX "uq-settlements-period" ON "settlements" ("provider_org_id", "period");
