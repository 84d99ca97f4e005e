-- The history of review decisions (registrations, declarations, teachers, class filings),
-- filled from the audit trail for decisions made before it existed.
CREATE TABLE "review_decisions" ( "id" varchar NOT NULL PRIMARY KEY, "subject" varchar NOT NULL, "subject_id" varchar NOT NULL, "decision" varchar NOT NULL, "reason" varchar NOT NULL, "reviewer_id" varchar NOT NULL, "reviewer_name" varchar NOT NULL, "decided_at" timestamp_with_timezone_text NOT NULL );
CREATE INDEX "idx-review_decisions-subject" ON "review_decisions" ("subject", "subject_id");
INSERT INTO "review_decisions" ("id", "subject", "subject_id", "decision", "reason", "reviewer_id", "reviewer_name", "decided_at")
SELECT 'audit-' || "seq",
       substr("action", 1, instr("action", '.') - 1),
       "object_id",
       substr("action", instr("action", '.') + 1),
       coalesce(json_extract("changes", '$.reason'), ''),
       "actor_id", "actor_name",
       replace("at", 'Z', '+00:00')
FROM "audit_log"
WHERE "action" IN ('org.approve', 'org.return', 'declaration.approve', 'declaration.return',
                   'teacher.approve', 'teacher.return', 'class.approve', 'class.return')
  AND "outcome" = 'ok';
