/**
 * Partner governance (issue 18 item 5; seed 000 二(三)2, 二(四)): a partner receives tokens only once
 * its agreement reference, risk assessment date and next review date are recorded by an administrator
 * and approved by someone else (the information-management head); termination is recorded on the
 * partner and cannot be undone by reactivation.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

export class PartnerGovernance1795520200000 implements MigrationInterface {
  name = 'PartnerGovernance1795520200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "partner_agreements" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "partner_id" text NOT NULL,
      "agreement_ref" text NOT NULL,
      "risk_assessed_on" date NOT NULL,
      "next_review_on" date NOT NULL,
      "status" text NOT NULL DEFAULT 'PENDING',
      "recorded_by" text NOT NULL,
      "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "decided_by" text,
      "decided_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "partner_agreements_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "partner_agreements_status_check" CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'SUPERSEDED')),
      CONSTRAINT "partner_agreements_ref_check" CHECK (char_length(agreement_ref) BETWEEN 1 AND 200),
      CONSTRAINT "partner_agreements_dates_check" CHECK (next_review_on > risk_assessed_on),
      CONSTRAINT "partner_agreements_decider_check" CHECK (decided_by <> recorded_by),
      CONSTRAINT "partner_agreements_decided_check" CHECK ((status = 'PENDING') = (decided_by IS NULL))
    )`);
    await queryRunner.query(`ALTER TABLE "partner_agreements" ADD CONSTRAINT "partner_agreements_partner_fk" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE INDEX "partner_agreements_partner_idx" ON "partner_agreements" ("partner_id", "recorded_at")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "partner_agreements_one_pending_idx" ON "partner_agreements" ("partner_id") WHERE status = 'PENDING'`);
    await queryRunner.query(`CREATE UNIQUE INDEX "partner_agreements_one_approved_idx" ON "partner_agreements" ("partner_id") WHERE status = 'APPROVED'`);
    await queryRunner.query(`ALTER TABLE "partners" ADD "terminated_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "partners" ADD "terminated_by" text`);
    await queryRunner.query(`ALTER TABLE "partners" ADD CONSTRAINT "partners_terminated_check" CHECK (terminated_at IS NULL OR NOT active)`);
    await queryRunner.query(`DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
            GRANT SELECT, INSERT, UPDATE ON partner_agreements TO ${APP_ROLE};
          END IF;
        END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "partners" DROP CONSTRAINT "partners_terminated_check"`);
    await queryRunner.query(`ALTER TABLE "partners" DROP COLUMN "terminated_by"`);
    await queryRunner.query(`ALTER TABLE "partners" DROP COLUMN "terminated_at"`);
    await queryRunner.query(`DROP TABLE "partner_agreements"`);
  }
}
