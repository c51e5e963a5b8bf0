/**
 * Relationship care (issue 17 item 6; seed 001 三(一)): a contact log per customer — when, how,
 * a summary (free text, sealed like the others), by whom. Key customers are due a contact every
 * month, general ones every quarter (the contactsDue worklist).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

export class ContactLog1795510100000 implements MigrationInterface {
  name = 'ContactLog1795510100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "contact_logs" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "contacted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "method" text NOT NULL, "summary" text, "summary_sealed" bytea, "summary_masked" text, "staff_id" uuid NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "contact_logs_method_check" CHECK (method IN ('PHONE', 'EMAIL', 'MEETING', 'VISIT')),
      CONSTRAINT "contact_logs_plaintext_sealed_check" CHECK ("summary" IS NULL),
      CONSTRAINT "contact_logs_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "contact_logs" ADD CONSTRAINT "contact_logs_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`ALTER TABLE "contact_logs" ADD CONSTRAINT "contact_logs_staff_fk" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    // The customer's log, newest first, and "when was this customer last contacted".
    await queryRunner.query(`CREATE INDEX "contact_logs_customer_idx" ON "contact_logs" ("customer_id", "contacted_at")`);
    await queryRunner.query(`CREATE INDEX "contact_logs_staff_idx" ON "contact_logs" ("staff_id")`);
    await queryRunner.query(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON contact_logs TO ${APP_ROLE};
        END IF;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contact_logs"`);
  }
}
