/** Probes per day: lookups, filters and uniqueness checks on sensitive fields, counted like reads of them. */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Probes1795507500000 implements MigrationInterface {
  name = 'Probes1795507500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "usage_counters" ADD "probes" bigint NOT NULL DEFAULT 0`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "usage_counters" DROP COLUMN "probes"`);
  }
}
