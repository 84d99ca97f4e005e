-- Registration documents of institutions and enterprises (bytes in file storage).
CREATE TABLE "org_documents" ( "id" varchar NOT NULL PRIMARY KEY, "org_id" varchar NOT NULL, "kind" varchar NOT NULL, "filename" varchar NOT NULL, "content_type" varchar NOT NULL, "size" bigint NOT NULL, "sha256" varchar NOT NULL, "storage_key" varchar NOT NULL, "uploaded_by" varchar NOT NULL, "created_at" timestamp with time zone NOT NULL, "removed_at" timestamp with time zone, "removed_by" varchar );
CREATE INDEX "idx-org_documents-org_id" ON "org_documents" ("org_id");
