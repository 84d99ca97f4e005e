-- Issuers' seal images for certificates (issue 13): one per institution (org:<id>) or
-- human-resources department (region:<code>); the PNG is in the file store.
CREATE TABLE "certificate_seals" ( "issuer_key" varchar NOT NULL PRIMARY KEY, "file_key" varchar NOT NULL, "sha256" varchar NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "uploaded_by" varchar NOT NULL, "uploaded_at" timestamp with time zone NOT NULL );
