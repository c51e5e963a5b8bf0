/**
 * De-duplication reviews: an individual customer created by someone who may not read ID numbers
 * clear starts PENDING_REVIEW with a review a manager (never its creator) resolves, so the answer
 * to the creator never says whether the ID number was already a customer's. The ID-number index
 * leaves out rows awaiting review and rows a review merged or rejected (CHECK: those stay closed).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

export class DuplicateReviews1795507600000 implements MigrationInterface {
  name = 'DuplicateReviews1795507600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_status_check"`);
    await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_status_check" CHECK (status IN ('ACTIVE', 'CLOSED', 'ERASED', 'PENDING_REVIEW'))`);
    await queryRunner.query(`ALTER TABLE "customers" ADD "review_outcome" text`);
    await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_review_outcome_check" CHECK (review_outcome IS NULL OR (review_outcome IN ('MERGED', 'REJECTED') AND status IN ('CLOSED', 'ERASED')))`);
    await queryRunner.query(`DROP INDEX "public"."customers_id_number_key"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "customers_id_number_key" ON "customers" ("id_number") WHERE id_number IS NOT NULL AND status <> 'PENDING_REVIEW' AND review_outcome IS NULL`);
    await queryRunner.query(`CREATE INDEX "customers_id_number_pending_idx" ON "customers" ("id_number") WHERE status = 'PENDING_REVIEW'`);
    await queryRunner.query(`CREATE TABLE "customer_duplicate_reviews" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "duplicate_of" uuid, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "status" text NOT NULL DEFAULT 'OPEN', "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, "note" text, CONSTRAINT "customer_duplicate_reviews_status_check" CHECK (status IN ('OPEN', 'MERGED', 'KEPT', 'REJECTED')), CONSTRAINT "customer_duplicate_reviews_decider_check" CHECK (decided_by <> created_by), CONSTRAINT "customer_duplicate_reviews_decided_check" CHECK ((status = 'OPEN') = (decided_at IS NULL) AND (status = 'OPEN') = (decided_by IS NULL)), CONSTRAINT "customer_duplicate_reviews_merge_check" CHECK (status <> 'MERGED' OR duplicate_of IS NOT NULL), CONSTRAINT "customer_duplicate_reviews_self_check" CHECK (duplicate_of <> customer_id), CONSTRAINT "customer_duplicate_reviews_note_check" CHECK (char_length(note) BETWEEN 1 AND 500), CONSTRAINT "customer_duplicate_reviews_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "customer_duplicate_reviews" ADD CONSTRAINT "customer_duplicate_reviews_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`ALTER TABLE "customer_duplicate_reviews" ADD CONSTRAINT "customer_duplicate_reviews_duplicate_of_fk" FOREIGN KEY ("duplicate_of") REFERENCES "customers"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`ALTER TABLE "customer_duplicate_reviews" ADD CONSTRAINT "customer_duplicate_reviews_created_by_fk" FOREIGN KEY ("created_by") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`ALTER TABLE "customer_duplicate_reviews" ADD CONSTRAINT "customer_duplicate_reviews_decided_by_fk" FOREIGN KEY ("decided_by") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    // One review per new customer.
    await queryRunner.query(`CREATE UNIQUE INDEX "customer_duplicate_reviews_customer_key" ON "customer_duplicate_reviews" ("customer_id")`);
    await queryRunner.query(`CREATE INDEX "customer_duplicate_reviews_duplicate_of_idx" ON "customer_duplicate_reviews" ("duplicate_of")`);
    await queryRunner.query(`CREATE INDEX "customer_duplicate_reviews_created_by_idx" ON "customer_duplicate_reviews" ("created_by")`);
    await queryRunner.query(`CREATE INDEX "customer_duplicate_reviews_decided_by_idx" ON "customer_duplicate_reviews" ("decided_by")`);
    await queryRunner.query(`CREATE INDEX "customer_duplicate_reviews_status_idx" ON "customer_duplicate_reviews" ("status", "created_at")`);
    await queryRunner.query(`CREATE INDEX "customer_duplicate_reviews_created_at_idx" ON "customer_duplicate_reviews" ("created_at", "id")`);
    // No DELETE: a review, decided or not, is the record of who created a customer and who let it in.
    await queryRunner.query(`DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                GRANT SELECT, INSERT, UPDATE ON customer_duplicate_reviews TO ${APP_ROLE};
              END IF;
            END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Rows awaiting or closed by a review cannot live under the old constraints; nothing is discarded to make them fit.
    const [{ count }] = await queryRunner.query(`SELECT count(*)::int AS count FROM "customers" WHERE "status" = 'PENDING_REVIEW' OR "review_outcome" IS NOT NULL`);
    if (count > 0) throw new Error(`DuplicateReviews down(): ${count} customers are awaiting or were closed by a de-duplication review; resolve or archive them first`);
    await queryRunner.query(`DROP TABLE "customer_duplicate_reviews"`);
    await queryRunner.query(`DROP INDEX "public"."customers_id_number_pending_idx"`);
    await queryRunner.query(`DROP INDEX "public"."customers_id_number_key"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "customers_id_number_key" ON "customers" ("id_number") WHERE id_number IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_review_outcome_check"`);
    await queryRunner.query(`ALTER TABLE "customers" DROP COLUMN "review_outcome"`);
    await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_status_check"`);
    await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_status_check" CHECK (status IN ('ACTIVE', 'CLOSED', 'ERASED'))`);
  }
}
