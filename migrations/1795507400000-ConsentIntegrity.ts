/**
 * Consent integrity: structured evidence (a kind and a reference in its format), a reason when a
 * consent is ended, and no marketing — seed 000 二(三)3 forbids using customer information for
 * commercial promotion in any form, so active marketing consents end here and no new consent or
 * partner purpose can be marketing.
 */
import type { MigrationInterface, QueryRunner } from "typeorm";
import { APP_ROLE } from './1795334400000-AuditRegister';

export const MARKETING_REVOKE_REASON = 'seed 000 二(三)3: customer information may not be used for commercial promotion';
export const MIGRATION_REVOKER = 'system:migration';
const EVIDENCE_KINDS = ['SIGNED_FORM', 'ELECTRONIC_SIGNATURE', 'RECORDED_CALL', 'BRANCH_REGISTER'];
const LEGACY = 'LEGACY_FREE_TEXT';

export class ConsentIntegrity1795507400000 implements MigrationInterface {
    name = 'ConsentIntegrity1795507400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "consents" ADD "revoke_reason" text`);
        // Existing references are free text: kept, marked as such, never accepted again.
        await queryRunner.query(`ALTER TABLE "consents" ADD "evidence_kind" text`);
        await queryRunner.query(`UPDATE "consents" SET "evidence_kind" = '${LEGACY}'`);
        await queryRunner.query(`ALTER TABLE "consents" ALTER COLUMN "evidence_kind" SET NOT NULL`);
        await queryRunner.query(`ALTER TABLE "consents" ADD CONSTRAINT "consents_evidence_kind_check" CHECK (evidence_kind IN (${[...EVIDENCE_KINDS, LEGACY].map((k) => `'${k}'`).join(', ')}))`);
        // Legacy evidence only on rows recorded before this migration: its transaction's clock is the cutoff.
        const [{ cutoff }] = await queryRunner.query(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cutoff`);
        await queryRunner.query(`ALTER TABLE "consents" ADD CONSTRAINT "consents_legacy_evidence_check" CHECK (evidence_kind <> '${LEGACY}' OR recorded_at <= TIMESTAMPTZ '${cutoff}')`);

        // End marketing consents that still hold or are yet to start; expired ones already ended.
        await queryRunner.query(
            `UPDATE "consents" SET revoked_at = now(), revoked_by = $1, revoke_reason = $2
             WHERE purpose = 'marketing' AND revoked_at IS NULL AND expires_at > now()`,
            [MIGRATION_REVOKER, MARKETING_REVOKE_REASON],
        );
        await queryRunner.query(`UPDATE "partners" SET purposes = array_remove(purposes, 'marketing') WHERE 'marketing' = ANY (purposes)`);
        // Old marketing consents stay as evidence (and can still be revoked); none recorded from now on.
        await queryRunner.query(`ALTER TABLE "consents" ADD CONSTRAINT "consents_no_marketing_check" CHECK (purpose <> 'marketing' OR recorded_at <= TIMESTAMPTZ '${cutoff}')`);
        await queryRunner.query(`ALTER TABLE "partners" ADD CONSTRAINT "partners_no_marketing_check" CHECK (NOT ('marketing' = ANY (purposes)))`);
        await queryRunner.query(`DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                GRANT SELECT, INSERT, UPDATE, DELETE ON consents, partners TO ${APP_ROLE};
              END IF;
            END $$`);
    }

    /**
     * The columns and constraints go; the ended marketing consents stay ended and the partners'
     * purposes stay without marketing: reviving them would undo a compliance decision, not a schema change.
     */
    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "partners" DROP CONSTRAINT "partners_no_marketing_check"`);
        await queryRunner.query(`ALTER TABLE "consents" DROP CONSTRAINT "consents_no_marketing_check"`);
        await queryRunner.query(`ALTER TABLE "consents" DROP CONSTRAINT "consents_legacy_evidence_check"`);
        await queryRunner.query(`ALTER TABLE "consents" DROP CONSTRAINT "consents_evidence_kind_check"`);
        await queryRunner.query(`ALTER TABLE "consents" DROP COLUMN "evidence_kind"`);
        await queryRunner.query(`ALTER TABLE "consents" DROP COLUMN "revoke_reason"`);
    }

}
