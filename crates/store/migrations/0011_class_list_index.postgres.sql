-- Classes by status within a region (regulators' filtered lists).
CREATE INDEX "idx-classes-status-region" ON "classes" ("status", "region_code");
