-- Statuses are read as typed codes; a pending registration version is 'submitted', not ''.
UPDATE "organization_versions" SET "decision" = 'submitted' WHERE "decision" = '';
