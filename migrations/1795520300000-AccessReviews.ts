/**
 * Periodic access review (issue 18 item 2; seed 003 二(二)2, 四(四)1): each decision a reviewer takes
 * on a staff member or partner (keep / revoke / change), with the review line it was taken on.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

export class AccessReviews1795520300000 implements MigrationInterface {
  name = 'AccessReviews1795520300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "access_review_decisions" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "reviewed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "reviewer" uuid NOT NULL,
      "principal_kind" text NOT NULL,
      "principal_ref" text NOT NULL,
      "decision" text NOT NULL,
      "new_role" text,
      "note" text NOT NULL,
      "line" jsonb NOT NULL,
      CONSTRAINT "access_review_decisions_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "access_review_decisions_kind_check" CHECK (principal_kind IN ('STAFF', 'PARTNER')),
      CONSTRAINT "access_review_decisions_decision_check" CHECK (decision IN ('KEEP', 'REVOKE', 'CHANGE')),
      CONSTRAINT "access_review_decisions_change_check" CHECK ((decision = 'CHANGE' AND principal_kind = 'STAFF') = (new_role IS NOT NULL)),
      CONSTRAINT "access_review_decisions_self_check" CHECK (principal_ref <> reviewer::text),
      CONSTRAINT "access_review_decisions_note_check" CHECK (char_length(note) BETWEEN 1 AND 500)
    )`);
    await queryRunner.query(`ALTER TABLE "access_review_decisions" ADD CONSTRAINT "access_review_decisions_reviewer_fk" FOREIGN KEY ("reviewer") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE INDEX "access_review_decisions_reviewer_idx" ON "access_review_decisions" ("reviewer")`);
    await queryRunner.query(`CREATE INDEX "access_review_decisions_principal_idx" ON "access_review_decisions" ("principal_kind", "principal_ref", "reviewed_at")`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "audit_access_partner_idx" ON "audit_access" ("partner_id", "occurred_at")`);
    await queryRunner.query(`DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
            GRANT SELECT, INSERT ON access_review_decisions TO ${APP_ROLE};
          END IF;
        END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "audit_access_partner_idx"`);
    await queryRunner.query(`DROP TABLE "access_review_decisions"`);
  }
}
