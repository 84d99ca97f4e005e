-- Each exchange client pulls only the datasets it was given, within a region, and sees
-- whole ID numbers only when allowed. Clients made before keep every dataset of the
-- whole province, with ID numbers masked from now on.
ALTER TABLE "exchange_clients" ADD COLUMN "datasets" varchar NOT NULL DEFAULT 'learners,institutions,qualifications,classes';
ALTER TABLE "exchange_clients" ADD COLUMN "region_code" varchar NOT NULL DEFAULT '';
ALTER TABLE "exchange_clients" ADD COLUMN "full_id_numbers" boolean NOT NULL DEFAULT false;
