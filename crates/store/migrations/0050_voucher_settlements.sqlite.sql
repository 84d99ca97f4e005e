-- Voucher settlements (培训券兑付结算, issue 15): the province pays each institution for
-- the vouchers it redeemed. A settlement is drawn over an institution's redeemed vouchers
-- not yet in one (each voucher joins at most one: a conditional update on
-- "settlement_id" IS NULL), then paid once with the bank's reference (CHECK: paid exactly
-- when it has a payment time and reference). The settlement number is unique.
-- Payouts are looked up by claim (a claim's page; a batch reads the failed payouts of
-- the claims it pays), no longer by line: the line index goes, so a batch of many
-- thousand payouts maintains no more indexes than before.
DROP INDEX "idx-subsidy_payouts-line";
CREATE INDEX "idx-subsidy_payouts-claim" ON "subsidy_payouts" ("claim_id");
CREATE TABLE "voucher_settlements" ( "id" varchar NOT NULL PRIMARY KEY, "number" varchar NOT NULL, "org_id" varchar NOT NULL REFERENCES "organizations" ("id"), "vouchers" integer NOT NULL CHECK ("vouchers" > 0), "total_fen" integer NOT NULL CHECK ("total_fen" > 0), "status" varchar NOT NULL, "bank_ref" varchar, "created_by" varchar NOT NULL, "created_at" timestamp_with_timezone_text NOT NULL, "paid_by" varchar, "paid_at" timestamp_with_timezone_text, CHECK (("status" = 'paid') = ("paid_at" IS NOT NULL)), CHECK (("status" = 'paid') = ("bank_ref" IS NOT NULL)) );
CREATE UNIQUE INDEX "uq-voucher_settlements-number" ON "voucher_settlements" ("number");
CREATE INDEX "idx-voucher_settlements-org" ON "voucher_settlements" ("org_id");
ALTER TABLE "vouchers" ADD COLUMN "settlement_id" varchar REFERENCES "voucher_settlements" ("id");
CREATE INDEX "idx-vouchers-settlement" ON "vouchers" ("settlement_id");
CREATE INDEX "idx-vouchers-org" ON "vouchers" ("org_id", "status");
-- Voiding a voucher (作废): the province withdraws an unused voucher, with the reason.
ALTER TABLE "vouchers" ADD COLUMN "void_reason" varchar NOT NULL DEFAULT '';
