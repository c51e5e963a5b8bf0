/** Breadth across requests: the identifying fields of each record (`Customer:<id>`) shown clear to a person on a day. */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

export class Breadth1795507700000 implements MigrationInterface {
  name = 'Breadth1795507700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "breadth_counters" ("key" text NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "record" text NOT NULL, "fields" text[] NOT NULL, CONSTRAINT "breadth_counters_pkey" PRIMARY KEY ("key", "window_start", "record"))`,
    );
    await queryRunner.query(`CREATE INDEX "breadth_counters_window_idx" ON "breadth_counters" ("window_start")`);
    await queryRunner.query(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON breadth_counters TO ${APP_ROLE};
        END IF;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "breadth_counters"`);
  }
}
