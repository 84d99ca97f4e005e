-- Inspections of classes.
CREATE TABLE "class_inspections" ( "id" varchar NOT NULL PRIMARY KEY, "class_id" varchar NOT NULL, "org_id" varchar NOT NULL, "region_code" varchar NOT NULL, "kind" varchar NOT NULL, "qualified" bool NOT NULL, "remarks" varchar NOT NULL, "inspector_id" varchar NOT NULL, "inspector_name" varchar NOT NULL, "inspected_at" timestamp with time zone NOT NULL );
CREATE INDEX "idx-class_inspections-class_id" ON "class_inspections" ("class_id");
CREATE INDEX "idx-class_inspections-region_code" ON "class_inspections" ("region_code");
