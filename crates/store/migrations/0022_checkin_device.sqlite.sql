-- A QR sign-in records the signed-in device session it came from (a hash, never the
-- session itself) and, where the browser gave it, where it was made. One device signs in
-- one learner per session: a phone passed round cannot sign in the absent.
ALTER TABLE "attendance" ADD COLUMN "device" varchar;
ALTER TABLE "attendance" ADD COLUMN "lat_e6" integer;
ALTER TABLE "attendance" ADD COLUMN "lng_e6" integer;
ALTER TABLE "attendance" ADD COLUMN "accuracy_m" integer;
CREATE UNIQUE INDEX "ux-attendance-session-device" ON "attendance" ("session_id", "device");
