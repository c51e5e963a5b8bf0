/**
 * Data at rest (issue 15): every L2/L3 field and free text gets a sealed column (AES-256-GCM
 * under the customer's data key), its default masked form, and for exact lookups a blind index;
 * the data keys live wrapped in a key store of their own (schema `keystore`, backed up apart).
 * The old plaintext columns are left empty by a NOT VALID check: nothing new can be written in
 * clear, and rows from before are sealed online, in batches (`npm run keys -- seal`, also run at
 * start), after which the check is validated.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

/** table → [plaintext column, has a blind index][] (frozen here: a migration does not follow later code). */
export const SEALED_COLUMNS: Record<string, [string, boolean][]> = {
  customers: [['id_number', true], ['birth_date', false], ['phone', true], ['email', false], ['address', false], ['annual_income', false],
    ['total_assets', false], ['bank_card_number', true], ['credit_rating', false]],
  contacts: [['phone', false], ['email', false]],
  transactions: [['description', false], ['account_number', false], ['counterparty_account', false]],
  complaints: [['description', false], ['resolution', false], ['delay_reason', false]],
  complaint_events: [['note', false]],
};

const plaintextCheck = (table: string) => `${table}_plaintext_sealed_check`;

export class SealedFields1795507800000 implements MigrationInterface {
  name = 'SealedFields1795507800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA keystore`);
    await queryRunner.query(
      `CREATE TABLE keystore.customer_keys (
         customer_id uuid NOT NULL, kek_id text NOT NULL, data_key bytea NOT NULL, history_kek_id text NOT NULL, history_key bytea NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(), data_key_rotated_at timestamptz, rewrapped_at timestamptz,
         CONSTRAINT customer_keys_pkey PRIMARY KEY (customer_id))`,
    );
    await queryRunner.query(`CREATE INDEX customer_keys_kek_idx ON keystore.customer_keys (kek_id)`);
    await queryRunner.query(`CREATE INDEX customer_keys_history_kek_idx ON keystore.customer_keys (history_kek_id)`);
    for (const [table, columns] of Object.entries(SEALED_COLUMNS)) {
      const adds = columns.flatMap(([column, indexed]) => [
        `ADD COLUMN "${column}_sealed" bytea`, `ADD COLUMN "${column}_masked" text`, ...(indexed ? [`ADD COLUMN "${column}_bidx" bytea`] : []),
        `ALTER COLUMN "${column}" DROP NOT NULL`,
      ]);
      await queryRunner.query(`ALTER TABLE "${table}" ${adds.join(', ')}`);
      // New rows cannot hold plaintext; rows from before are sealed in batches, then the check is validated.
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${plaintextCheck(table)}" CHECK (${columns.map(([c]) => `"${c}" IS NULL`).join(' AND ')}) NOT VALID`,
      );
    }
    await queryRunner.query(`DROP INDEX "customers_id_number_key"`);
    await queryRunner.query(`DROP INDEX "customers_id_number_pending_idx"`);
    await queryRunner.query(`DROP INDEX "customers_phone_idx"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "customers_id_number_key" ON "customers" ("id_number_bidx") WHERE id_number_bidx IS NOT NULL AND status <> 'PENDING_REVIEW' AND review_outcome IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX "customers_id_number_pending_idx" ON "customers" ("id_number_bidx") WHERE status = 'PENDING_REVIEW'`);
    await queryRunner.query(`CREATE INDEX "customers_phone_idx" ON "customers" ("phone_bidx")`);
    await queryRunner.query(`CREATE INDEX "customers_bank_card_idx" ON "customers" ("bank_card_number_bidx")`);
    await queryRunner.query(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          GRANT USAGE ON SCHEMA keystore TO ${APP_ROLE};
          GRANT SELECT, INSERT, UPDATE, DELETE ON keystore.customer_keys TO ${APP_ROLE};
        END IF;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Sealed values cannot be brought back here (the keys are outside SQL), and dropping the key
    // store would destroy every one of them: nothing is discarded to go down.
    const sealedRows = Object.entries(SEALED_COLUMNS).map(
      ([table, columns]) => `(SELECT count(*) FROM "${table}" WHERE ${columns.map(([c]) => `"${c}_sealed" IS NOT NULL`).join(' OR ')})`,
    );
    const [{ keys, sealed }] = await queryRunner.query(`SELECT (SELECT count(*) FROM keystore.customer_keys)::int AS keys, (${sealedRows.join(' + ')})::int AS sealed`);
    if (keys > 0 || sealed > 0) {
      throw new Error(`SealedFields down(): ${sealed} rows hold sealed values and ${keys} customers have keys; going down would destroy them (export or erase the data first)`);
    }
    await queryRunner.query(`DROP INDEX "customers_bank_card_idx"`);
    await queryRunner.query(`DROP INDEX "customers_phone_idx"`);
    await queryRunner.query(`DROP INDEX "customers_id_number_pending_idx"`);
    await queryRunner.query(`DROP INDEX "customers_id_number_key"`);
    for (const [table, columns] of Object.entries(SEALED_COLUMNS)) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${plaintextCheck(table)}"`);
      const drops = columns.flatMap(([column, indexed]) => [
        `DROP COLUMN "${column}_sealed"`, `DROP COLUMN "${column}_masked"`, ...(indexed ? [`DROP COLUMN "${column}_bidx"`] : []),
      ]);
      await queryRunner.query(`ALTER TABLE "${table}" ${drops.join(', ')}`);
    }
    await queryRunner.query(`CREATE UNIQUE INDEX "customers_id_number_key" ON "customers" ("id_number") WHERE id_number IS NOT NULL AND status <> 'PENDING_REVIEW' AND review_outcome IS NULL`);
    await queryRunner.query(`CREATE INDEX "customers_id_number_pending_idx" ON "customers" ("id_number") WHERE status = 'PENDING_REVIEW'`);
    await queryRunner.query(`CREATE INDEX "customers_phone_idx" ON "customers" ("phone")`);
    // What up() relaxed: these two were required before sealing.
    await queryRunner.query(`ALTER TABLE "transactions" ALTER COLUMN "account_number" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "complaints" ALTER COLUMN "description" SET NOT NULL`);
    await queryRunner.query(`DROP SCHEMA keystore CASCADE`);
  }
}
