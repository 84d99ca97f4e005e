-- Course orders (课程订单, issue 14): an institution buys seats of a listed course for a
-- filed class; payments go through a channel (the sandbox gateway for now, whose own
-- records are `sandbox_trades`); every received notification is logged; paid seats are
-- the class's inventory, assigned to learners; unused seats are refunded on request.
-- Rules spanning rows are the database's: one order per buyer and idempotency key, one
-- pending and one successful payment per order, a learner holds one live seat per class and course,
-- refunds never exceed what was paid, seat counts stay within the order.
CREATE TABLE "orders" ( "id" varchar NOT NULL PRIMARY KEY, "number" varchar NOT NULL, "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "region_code" varchar NOT NULL REFERENCES "regions" ("code"), "class_id" varchar NOT NULL REFERENCES "classes" ("id"), "package_id" varchar NOT NULL REFERENCES "course_packages" ("id"), "version_id" varchar NOT NULL REFERENCES "course_package_versions" ("id"), "provider_org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "course_name" varchar NOT NULL, "quantity" integer NOT NULL CHECK ("quantity" BETWEEN 1 AND 2000), "unit_fen" integer NOT NULL CHECK ("unit_fen" >= 0), "total_fen" integer NOT NULL CHECK ("total_fen" >= 0), "reason" varchar NOT NULL, "status" varchar NOT NULL, "paid_fen" integer NOT NULL DEFAULT 0, "refunded_fen" integer NOT NULL DEFAULT 0, "refunded_seats" integer NOT NULL DEFAULT 0, "idempotency_key" varchar NOT NULL, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "paid_at" timestamp_with_timezone_text, "closed_at" timestamp_with_timezone_text, "updated_at" timestamp_with_timezone_text NOT NULL, CHECK ("paid_fen" IN (0, "total_fen")), CHECK ("refunded_fen" BETWEEN 0 AND "paid_fen"), CHECK ("refunded_seats" BETWEEN 0 AND "quantity") );
CREATE UNIQUE INDEX "uq-orders-number" ON "orders" ("number");
CREATE UNIQUE INDEX "uq-orders-idempotency" ON "orders" ("org_id", "idempotency_key");
CREATE INDEX "idx-orders-class" ON "orders" ("class_id");
CREATE INDEX "idx-orders-provider" ON "orders" ("provider_org_id");
CREATE TABLE "payments" ( "id" varchar NOT NULL PRIMARY KEY, "order_id" varchar NOT NULL REFERENCES "orders" ("id"), "channel" varchar NOT NULL, "amount_fen" integer NOT NULL CHECK ("amount_fen" >= 0), "status" varchar NOT NULL, "channel_trade_no" varchar, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "paid_at" timestamp_with_timezone_text, "ledger_idx" integer );
CREATE INDEX "idx-payments-order" ON "payments" ("order_id");
CREATE UNIQUE INDEX "uq-payments-succeeded" ON "payments" ("order_id") WHERE "status" = 'succeeded';
CREATE UNIQUE INDEX "uq-payments-pending" ON "payments" ("order_id") WHERE "status" = 'pending';
CREATE TABLE "payment_notices" ( "id" varchar NOT NULL PRIMARY KEY, "channel" varchar NOT NULL, "notify_id" varchar NOT NULL, "payment_id" varchar, "outcome" varchar NOT NULL, "detail" varchar NOT NULL, "body" varchar NOT NULL, "received_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-payment_notices-payment" ON "payment_notices" ("payment_id");
CREATE TABLE "seats" ( "id" varchar NOT NULL PRIMARY KEY, "order_id" varchar NOT NULL REFERENCES "orders" ("id"), "class_id" varchar NOT NULL REFERENCES "classes" ("id"), "package_id" varchar NOT NULL REFERENCES "course_packages" ("id"), "position" integer NOT NULL, "status" varchar NOT NULL, "learner_id" varchar REFERENCES "users" ("id"), "refund_id" varchar, "assigned_at" timestamp_with_timezone_text, "updated_at" timestamp_with_timezone_text NOT NULL, CHECK (("status" = 'assigned') = ("learner_id" IS NOT NULL)) );
CREATE UNIQUE INDEX "uq-seats-position" ON "seats" ("order_id", "position");
CREATE UNIQUE INDEX "uq-seats-learner" ON "seats" ("class_id", "package_id", "learner_id") WHERE "learner_id" IS NOT NULL;
CREATE INDEX "idx-seats-refund" ON "seats" ("refund_id");
CREATE TABLE "refunds" ( "id" varchar NOT NULL PRIMARY KEY, "order_id" varchar NOT NULL REFERENCES "orders" ("id"), "seats" integer NOT NULL CHECK ("seats" > 0), "amount_fen" integer NOT NULL CHECK ("amount_fen" >= 0), "reason" varchar NOT NULL, "status" varchar NOT NULL, "decision_note" varchar NOT NULL, "requested_by" varchar NOT NULL, "decided_by" varchar, "channel_refund_no" varchar, "created_at" timestamp_with_timezone_text NOT NULL, "decided_at" timestamp_with_timezone_text, "ledger_idx" integer );
CREATE INDEX "idx-refunds-order" ON "refunds" ("order_id");
CREATE TABLE "sandbox_trades" ( "trade_no" varchar NOT NULL PRIMARY KEY, "out_trade_no" varchar NOT NULL, "subject" varchar NOT NULL, "amount_fen" integer NOT NULL, "status" varchar NOT NULL, "refunded_fen" integer NOT NULL DEFAULT 0, "notify_id" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "paid_at" timestamp_with_timezone_text, CHECK ("refunded_fen" BETWEEN 0 AND "amount_fen") );
CREATE UNIQUE INDEX "uq-sandbox_trades-out" ON "sandbox_trades" ("out_trade_no");
CREATE TABLE "sandbox_refunds" ( "refund_no" varchar NOT NULL PRIMARY KEY, "trade_no" varchar NOT NULL REFERENCES "sandbox_trades" ("trade_no"), "amount_fen" integer NOT NULL CHECK ("amount_fen" > 0), "created_at" timestamp_with_timezone_text NOT NULL );
