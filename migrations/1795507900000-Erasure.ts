/**
 * Erasure (issue 15, item 4; seeds 000 二(五), 003 二(四), 001 五(四)): requests decided by a
 * department head and the information-management head (a designation an administrator gives a
 * manager) and executed by an administrator; customers RESTRICTED while a legal retention period
 * runs; an erased customer's row stays with its name gone; a deletion record that names no value
 * of the person. The CHECKs hold "nobody performs two steps of one request" in the database too.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

/** Frozen here: a migration does not follow later code. */
const DESIGNATIONS = `ARRAY['INFORMATION_MANAGEMENT_HEAD']::text[]`;
const BASES = `('CUSTOMER_REQUEST', 'END_OF_RELATIONSHIP')`;
const STATES = `('REQUESTED', 'DEPARTMENT_APPROVED', 'APPROVED', 'RESTRICTED', 'ERASED', 'REJECTED', 'CANCELLED')`;
const STAFF_COLUMNS = {
  erasure_requests: ['requested_by', 'department_approved_by', 'information_head_approved_by', 'rejected_by', 'executed_by'],
  deletion_records: ['requested_by', 'department_approved_by', 'information_head_approved_by', 'executed_by'],
};

export class Erasure1795507900000 implements MigrationInterface {
  name = 'Erasure1795507900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "staff" ADD "designations" text array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "staff" ADD CONSTRAINT "staff_designations_check" CHECK (designations <@ ${DESIGNATIONS})`);

    await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_status_check"`);
    await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_status_check" CHECK (status IN ('ACTIVE', 'CLOSED', 'ERASED', 'PENDING_REVIEW', 'RESTRICTED'))`);
    // An erased customer's row stays (the facts the law keeps hang off it); its name goes.
    await queryRunner.query(`ALTER TABLE "customers" ALTER COLUMN "name" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_name_check" CHECK (name IS NOT NULL OR status = 'ERASED')`);
    await queryRunner.query(`ALTER TABLE "customers" ADD "restricted_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_restricted_check" CHECK ((status = 'RESTRICTED') = (restricted_until IS NOT NULL))`);
    // Rows read carry whether their customer is restricted or erased: a lookup in this small index.
    await queryRunner.query(`CREATE INDEX "customers_held_idx" ON "customers" ("id") WHERE status IN ('RESTRICTED', 'ERASED')`);
    // npm run retention: restricted customers whose period has ended.
    await queryRunner.query(`CREATE INDEX "customers_restricted_until_idx" ON "customers" ("restricted_until") WHERE status = 'RESTRICTED'`);

    await queryRunner.query(`CREATE TABLE "erasure_requests" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "basis" text NOT NULL, "reason" text NOT NULL,
      "status" text NOT NULL DEFAULT 'REQUESTED',
      "requested_by" uuid NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "department_approved_by" uuid, "department_approved_at" TIMESTAMP WITH TIME ZONE,
      "information_head_approved_by" uuid, "information_head_approved_at" TIMESTAMP WITH TIME ZONE,
      "rejected_by" uuid, "rejected_at" TIMESTAMP WITH TIME ZONE, "rejection_reason" text,
      "cancelled_at" TIMESTAMP WITH TIME ZONE,
      "executed_by" uuid, "executed_at" TIMESTAMP WITH TIME ZONE, "restricted_until" TIMESTAMP WITH TIME ZONE, "erased_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "erasure_requests_basis_check" CHECK (basis IN ${BASES}),
      CONSTRAINT "erasure_requests_status_check" CHECK (status IN ${STATES}),
      CONSTRAINT "erasure_requests_reason_check" CHECK (char_length(reason) BETWEEN 1 AND 500),
      CONSTRAINT "erasure_requests_rejection_reason_check" CHECK (char_length(rejection_reason) BETWEEN 1 AND 500),
      CONSTRAINT "erasure_requests_department_check" CHECK ((department_approved_by IS NULL) = (department_approved_at IS NULL) AND department_approved_by <> requested_by),
      CONSTRAINT "erasure_requests_information_head_check" CHECK ((information_head_approved_by IS NULL) = (information_head_approved_at IS NULL)
        AND (information_head_approved_by IS NULL OR department_approved_by IS NOT NULL)
        AND information_head_approved_by <> requested_by AND information_head_approved_by <> department_approved_by),
      CONSTRAINT "erasure_requests_executed_check" CHECK ((executed_by IS NULL) = (executed_at IS NULL)
        AND (executed_by IS NULL OR information_head_approved_by IS NOT NULL)
        AND executed_by <> requested_by AND executed_by <> department_approved_by AND executed_by <> information_head_approved_by
        AND (status IN ('RESTRICTED', 'ERASED')) = (executed_by IS NOT NULL)),
      CONSTRAINT "erasure_requests_rejected_check" CHECK ((status = 'REJECTED') = (rejected_by IS NOT NULL) AND (rejected_by IS NULL) = (rejected_at IS NULL)
        AND (rejected_by IS NULL) = (rejection_reason IS NULL) AND rejected_by <> requested_by),
      CONSTRAINT "erasure_requests_cancelled_check" CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL)),
      CONSTRAINT "erasure_requests_restricted_check" CHECK (status <> 'RESTRICTED' OR restricted_until IS NOT NULL),
      CONSTRAINT "erasure_requests_erased_check" CHECK ((status = 'ERASED') = (erased_at IS NOT NULL)),
      CONSTRAINT "erasure_requests_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "erasure_requests" ADD CONSTRAINT "erasure_requests_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT`);
    // One open request per customer: a second would race the first through the approvals.
    await queryRunner.query(`CREATE UNIQUE INDEX "erasure_requests_one_open_idx" ON "erasure_requests" ("customer_id") WHERE status IN ('REQUESTED', 'DEPARTMENT_APPROVED', 'APPROVED', 'RESTRICTED')`);
    await queryRunner.query(`CREATE INDEX "erasure_requests_customer_idx" ON "erasure_requests" ("customer_id", "requested_at")`);
    await queryRunner.query(`CREATE INDEX "erasure_requests_requested_at_idx" ON "erasure_requests" ("requested_at", "id")`);
    await queryRunner.query(`CREATE INDEX "erasure_requests_status_idx" ON "erasure_requests" ("status", "requested_at")`);

    // Written when the keys are destroyed (a restricted customer: when the retention period has ended), never changed:
    // a restore re-applies every erasure it lists. No value of the person: a bare customer uuid (no foreign key:
    // the record outlives anything about them), ids, times, field coordinates.
    await queryRunner.query(`CREATE TABLE "deletion_records" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "request_id" uuid NOT NULL, "customer_id" uuid NOT NULL, "basis" text NOT NULL,
      "requested_by" uuid NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "department_approved_by" uuid NOT NULL, "department_approved_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "information_head_approved_by" uuid NOT NULL, "information_head_approved_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "executed_by" uuid NOT NULL, "executed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "restricted_until" TIMESTAMP WITH TIME ZONE, "erased_at" TIMESTAMP WITH TIME ZONE NOT NULL, "categories" text array NOT NULL,
      CONSTRAINT "deletion_records_basis_check" CHECK (basis IN ${BASES}),
      CONSTRAINT "deletion_records_people_check" CHECK (department_approved_by <> requested_by
        AND information_head_approved_by <> requested_by AND information_head_approved_by <> department_approved_by
        AND executed_by <> requested_by AND executed_by <> department_approved_by AND executed_by <> information_head_approved_by),
      CONSTRAINT "deletion_records_request_key" UNIQUE ("request_id"),
      CONSTRAINT "deletion_records_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "deletion_records" ADD CONSTRAINT "deletion_records_request_fk" FOREIGN KEY ("request_id") REFERENCES "erasure_requests"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE INDEX "deletion_records_customer_idx" ON "deletion_records" ("customer_id")`);
    await queryRunner.query(`CREATE INDEX "deletion_records_executed_at_idx" ON "deletion_records" ("executed_at", "id")`);

    for (const [table, columns] of Object.entries(STAFF_COLUMNS)) {
      for (const column of columns) {
        const stem = `${table}_${column.replace(/_by$/, '')}`;
        await queryRunner.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${stem}_fk" FOREIGN KEY ("${column}") REFERENCES "staff"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`CREATE INDEX "${stem}_idx" ON "${table}" ("${column}")`);
      }
    }
    // The request and the record are the account of who erased whom: no DELETE on either, and a record never changes.
    await queryRunner.query(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          GRANT SELECT, INSERT, UPDATE ON erasure_requests TO ${APP_ROLE};
          GRANT SELECT, INSERT ON deletion_records TO ${APP_ROLE};
        END IF;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "deletion_records"`);
    await queryRunner.query(`DROP TABLE "erasure_requests"`);
    await queryRunner.query(`DROP INDEX "customers_restricted_until_idx"`);
    await queryRunner.query(`DROP INDEX "customers_held_idx"`);
    await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_restricted_check"`);
    await queryRunner.query(`ALTER TABLE "customers" DROP COLUMN "restricted_until"`);
    await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_name_check"`);
    // Going down cannot bring an erased name back: the row keeps a neutral one.
    await queryRunner.query(`UPDATE "customers" SET name = '(erased)' WHERE name IS NULL`);
    await queryRunner.query(`ALTER TABLE "customers" ALTER COLUMN "name" SET NOT NULL`);
    // A restricted customer goes back to CLOSED (the status before did not exist).
    await queryRunner.query(`UPDATE "customers" SET status = 'CLOSED' WHERE status = 'RESTRICTED'`);
    await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_status_check"`);
    await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_status_check" CHECK (status IN ('ACTIVE', 'CLOSED', 'ERASED', 'PENDING_REVIEW'))`);
    await queryRunner.query(`ALTER TABLE "staff" DROP CONSTRAINT "staff_designations_check"`);
    await queryRunner.query(`ALTER TABLE "staff" DROP COLUMN "designations"`);
  }
}
