/**
 * Staff identity from the directory, and complaint assignment by someone else: a member's tokens
 * can be revoked at once (`tokens_valid_after`); a complaint records who assigned it, and that
 * person can never be its assignee (nobody grants themselves the clear access an assignment opens).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StaffIdentity1795507200000 implements MigrationInterface {
  name = 'StaffIdentity1795507200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "staff" ADD "tokens_valid_after" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "staff" ADD "status_reason" text`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD "assigned_by" uuid`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD "assigned_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_assigned_by_fk" FOREIGN KEY ("assigned_by") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE INDEX "complaints_assigned_by_idx" ON "complaints" ("assigned_by")`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_not_self_assigned_check" CHECK (assigned_by IS DISTINCT FROM assignee_id OR assignee_id IS NULL)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_not_self_assigned_check"`);
    await queryRunner.query(`DROP INDEX "complaints_assigned_by_idx"`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_assigned_by_fk"`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP COLUMN "assigned_at"`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP COLUMN "assigned_by"`);
    await queryRunner.query(`ALTER TABLE "staff" DROP COLUMN "status_reason"`);
    await queryRunner.query(`ALTER TABLE "staff" DROP COLUMN "tokens_valid_after"`);
  }
}
