/**
 * Relationship-manager changes: a customer's relationship manager (which unlocks clear contact
 * data for that rep) is moved only by a request that a second manager approves — someone other
 * than the requester and the new manager (the CHECKs hold that in the database too).
 */
import type { MigrationInterface, QueryRunner } from "typeorm";
import { APP_ROLE } from './1795334400000-AuditRegister';

export class RelationshipManagerChanges1795507300000 implements MigrationInterface {
    name = 'RelationshipManagerChanges1795507300000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "relationship_manager_changes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "from_manager_id" uuid, "to_manager_id" uuid NOT NULL, "reason" text NOT NULL, "status" text NOT NULL DEFAULT 'PENDING', "requested_by" uuid NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, "decision_note" text, CONSTRAINT "relationship_manager_changes_status_check" CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED')), CONSTRAINT "relationship_manager_changes_reason_check" CHECK (char_length(reason) BETWEEN 1 AND 500), CONSTRAINT "relationship_manager_changes_decider_requester_check" CHECK (decided_by <> requested_by), CONSTRAINT "relationship_manager_changes_decider_beneficiary_check" CHECK (decided_by <> to_manager_id), CONSTRAINT "relationship_manager_changes_decided_check" CHECK ((status = 'PENDING') = (decided_at IS NULL) AND (status IN ('APPROVED', 'REJECTED')) = (decided_by IS NOT NULL)), CONSTRAINT "relationship_manager_changes_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`ALTER TABLE "relationship_manager_changes" ADD CONSTRAINT "relationship_manager_changes_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`ALTER TABLE "relationship_manager_changes" ADD CONSTRAINT "relationship_manager_changes_from_fk" FOREIGN KEY ("from_manager_id") REFERENCES "staff"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`ALTER TABLE "relationship_manager_changes" ADD CONSTRAINT "relationship_manager_changes_to_fk" FOREIGN KEY ("to_manager_id") REFERENCES "staff"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`ALTER TABLE "relationship_manager_changes" ADD CONSTRAINT "relationship_manager_changes_requested_by_fk" FOREIGN KEY ("requested_by") REFERENCES "staff"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`ALTER TABLE "relationship_manager_changes" ADD CONSTRAINT "relationship_manager_changes_decided_by_fk" FOREIGN KEY ("decided_by") REFERENCES "staff"("id") ON DELETE RESTRICT`);
        // At most one open request per customer: a second one would race the first to approval.
        await queryRunner.query(`CREATE UNIQUE INDEX "relationship_manager_changes_one_pending_idx" ON "relationship_manager_changes" ("customer_id") WHERE status = 'PENDING'`);
        await queryRunner.query(`CREATE INDEX "relationship_manager_changes_customer_idx" ON "relationship_manager_changes" ("customer_id", "requested_at")`);
        await queryRunner.query(`CREATE INDEX "relationship_manager_changes_status_idx" ON "relationship_manager_changes" ("status", "requested_at")`);
        await queryRunner.query(`CREATE INDEX "relationship_manager_changes_from_idx" ON "relationship_manager_changes" ("from_manager_id")`);
        await queryRunner.query(`CREATE INDEX "relationship_manager_changes_to_idx" ON "relationship_manager_changes" ("to_manager_id")`);
        await queryRunner.query(`CREATE INDEX "relationship_manager_changes_requested_by_idx" ON "relationship_manager_changes" ("requested_by")`);
        await queryRunner.query(`CREATE INDEX "relationship_manager_changes_decided_by_idx" ON "relationship_manager_changes" ("decided_by")`);
        // No DELETE: a request, decided or not, is the record of who moved a customer and who agreed.
        await queryRunner.query(`DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                GRANT SELECT, INSERT, UPDATE ON relationship_manager_changes TO ${APP_ROLE};
              END IF;
            END $$`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "relationship_manager_changes"`);
    }

}
