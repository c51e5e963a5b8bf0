/**
 * Clear access by grant (break-glass, issue 18 item 1; seed 001 五(二)1, seed 003 四(四)1) and the
 * alerts the governance raises (an emergency grant notifies the approvers at once). The CHECKs hold
 * "nobody approves or reviews their own grant" in the database too.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

export class ClearAccessGrants1795520000000 implements MigrationInterface {
  name = 'ClearAccessGrants1795520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "clear_access_grants" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "grantee_id" uuid NOT NULL,
      "customer_id" uuid NOT NULL,
      "fields" text array NOT NULL,
      "purpose" text NOT NULL,
      "reason" text NOT NULL,
      "minutes" integer NOT NULL,
      "emergency" boolean NOT NULL DEFAULT false,
      "status" text NOT NULL DEFAULT 'PENDING',
      "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "decided_by" uuid,
      "decided_at" TIMESTAMP WITH TIME ZONE,
      "decision_note" text,
      "starts_at" TIMESTAMP WITH TIME ZONE,
      "expires_at" TIMESTAMP WITH TIME ZONE,
      "revoked_by" uuid,
      "revoked_at" TIMESTAMP WITH TIME ZONE,
      "revoke_reason" text,
      "reviewed_by" uuid,
      "reviewed_at" TIMESTAMP WITH TIME ZONE,
      "review_outcome" text,
      "review_note" text,
      CONSTRAINT "clear_access_grants_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "clear_access_grants_status_check" CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED', 'REVOKED')),
      CONSTRAINT "clear_access_grants_fields_check" CHECK (cardinality(fields) >= 1),
      CONSTRAINT "clear_access_grants_reason_check" CHECK (char_length(reason) BETWEEN 1 AND 500),
      CONSTRAINT "clear_access_grants_minutes_check" CHECK (minutes BETWEEN 1 AND 1440),
      CONSTRAINT "clear_access_grants_decider_check" CHECK (decided_by <> grantee_id),
      CONSTRAINT "clear_access_grants_reviewer_check" CHECK (reviewed_by <> grantee_id),
      CONSTRAINT "clear_access_grants_approved_check" CHECK (status <> 'APPROVED' OR (starts_at IS NOT NULL AND expires_at > starts_at AND (emergency OR decided_by IS NOT NULL))),
      CONSTRAINT "clear_access_grants_review_check" CHECK ((reviewed_at IS NULL) = (review_outcome IS NULL) AND (reviewed_at IS NULL OR emergency)),
      CONSTRAINT "clear_access_grants_review_outcome_check" CHECK (review_outcome IN ('JUSTIFIED', 'NOT_JUSTIFIED'))
    )`);
    for (const column of ['grantee_id', 'decided_by', 'revoked_by', 'reviewed_by']) {
      await queryRunner.query(`ALTER TABLE "clear_access_grants" ADD CONSTRAINT "clear_access_grants_${column}_fk" FOREIGN KEY ("${column}") REFERENCES "staff"("id") ON DELETE RESTRICT`);
      await queryRunner.query(`CREATE INDEX "clear_access_grants_${column}_idx" ON "clear_access_grants" ("${column}")`);
    }
    await queryRunner.query(`ALTER TABLE "clear_access_grants" ADD CONSTRAINT "clear_access_grants_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT`);
    // The per-request lookup: the caller's grants in force for these customers.
    await queryRunner.query(`CREATE INDEX "clear_access_grants_in_force_idx" ON "clear_access_grants" ("grantee_id", "customer_id", "expires_at") WHERE status = 'APPROVED'`);
    await queryRunner.query(`CREATE INDEX "clear_access_grants_customer_idx" ON "clear_access_grants" ("customer_id", "requested_at")`);
    await queryRunner.query(`CREATE INDEX "clear_access_grants_unreviewed_idx" ON "clear_access_grants" ("grantee_id") WHERE emergency AND reviewed_at IS NULL`);

    // Alerts: raised by the governance (anomaly rules, emergency grants), read by auditors, posted to a webhook.
    await queryRunner.query(`CREATE TABLE "alerts" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "rule" text NOT NULL,
      "severity" text NOT NULL DEFAULT 'WARNING',
      "principal_sub" text,
      "subject" text,
      "summary" text NOT NULL,
      "detail" jsonb NOT NULL DEFAULT '{}',
      "recipients" uuid array NOT NULL DEFAULT '{}',
      "dedupe_key" text NOT NULL,
      "raised_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "delivery_attempts" integer NOT NULL DEFAULT 0,
      "next_delivery_at" TIMESTAMP WITH TIME ZONE,
      "delivered_at" TIMESTAMP WITH TIME ZONE,
      "last_delivery_error" text,
      CONSTRAINT "alerts_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "alerts_severity_check" CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
      CONSTRAINT "alerts_dedupe_key_unique" UNIQUE ("dedupe_key")
    )`);
    await queryRunner.query(`CREATE INDEX "alerts_raised_idx" ON "alerts" ("raised_at")`);
    await queryRunner.query(`CREATE INDEX "alerts_undelivered_idx" ON "alerts" ("next_delivery_at") WHERE delivered_at IS NULL`);
    // No DELETE: a grant, decided or not, is the record of who saw what clear and who agreed.
    await queryRunner.query(`DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
            GRANT SELECT, INSERT, UPDATE ON clear_access_grants, alerts TO ${APP_ROLE};
          END IF;
        END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "alerts"`);
    await queryRunner.query(`DROP TABLE "clear_access_grants"`);
  }
}
