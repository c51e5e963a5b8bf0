/**
 * Partner integrations: partners, their scoped tokens (only the token id is stored — the token
 * is a signed JWT shown once), customers' consents to sharing, registered operations
 * (allow-list), and usage counters shared by every API process (budgets).
 */
import type { MigrationInterface, QueryRunner } from "typeorm";
import { APP_ROLE } from './1795334400000-AuditRegister';

const TABLES = ['partners', 'partner_tokens', 'consents', 'partner_operations', 'usage_counters'];

export class Partners1795420800000 implements MigrationInterface {
    name = 'Partners1795420800000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "partners" ("id" text NOT NULL, "name" text NOT NULL, "purposes" text[] NOT NULL, "allow_list_only" boolean NOT NULL DEFAULT false, "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" text NOT NULL, CONSTRAINT "partners_id_check" CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,39}$'), CONSTRAINT "partners_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "partner_tokens" ("id" uuid NOT NULL, "partner_id" text NOT NULL, "scopes" text[] NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "issued_by" text NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_by" text, "replaces" uuid, CONSTRAINT "partner_tokens_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "partner_tokens_partner_idx" ON "partner_tokens" ("partner_id", "issued_at")`);
        await queryRunner.query(`ALTER TABLE "partner_tokens" ADD CONSTRAINT "partner_tokens_partner_fk" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`ALTER TABLE "partner_tokens" ADD CONSTRAINT "partner_tokens_replaces_fk" FOREIGN KEY ("replaces") REFERENCES "partner_tokens"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`CREATE INDEX "partner_tokens_replaces_idx" ON "partner_tokens" ("replaces")`);
        // Consent is never deleted: revocation and expiry end it, the row stays as evidence.
        await queryRunner.query(`CREATE TABLE "consents" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "partner_id" text NOT NULL, "purpose" text NOT NULL, "field_groups" text[], "granted_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "evidence_ref" text NOT NULL, "recorded_by" text NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_by" text, CONSTRAINT "consents_period_check" CHECK (expires_at > granted_at), CONSTRAINT "consents_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "consents_active_idx" ON "consents" ("partner_id", "purpose", "customer_id") WHERE revoked_at IS NULL`);
        await queryRunner.query(`CREATE INDEX "consents_customer_idx" ON "consents" ("customer_id", "granted_at")`);
        await queryRunner.query(`ALTER TABLE "consents" ADD CONSTRAINT "consents_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`ALTER TABLE "consents" ADD CONSTRAINT "consents_partner_fk" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT`);
        await queryRunner.query(`CREATE INDEX "consents_partner_fk_idx" ON "consents" ("partner_id")`);
        await queryRunner.query(`CREATE TABLE "partner_operations" ("partner_id" text NOT NULL, "hash" text NOT NULL, "name" text, "document" text NOT NULL, "registered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "registered_by" text NOT NULL, CONSTRAINT "partner_operations_hash_check" CHECK (hash ~ '^[0-9a-f]{64}$'), CONSTRAINT "partner_operations_pkey" PRIMARY KEY ("partner_id", "hash"))`);
        await queryRunner.query(`ALTER TABLE "partner_operations" ADD CONSTRAINT "partner_operations_partner_fk" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT`);
        // One row per budget key and window ('minute' or 'day'); incremented with upserts by every process.
        await queryRunner.query(`CREATE TABLE "usage_counters" ("key" text NOT NULL, "window_kind" text NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "requests" bigint NOT NULL DEFAULT 0, "clear_values" bigint NOT NULL DEFAULT 0, "masked_values" bigint NOT NULL DEFAULT 0, CONSTRAINT "usage_counters_kind_check" CHECK (window_kind IN ('minute', 'day')), CONSTRAINT "usage_counters_pkey" PRIMARY KEY ("key", "window_kind", "window_start"))`);
        await queryRunner.query(`CREATE INDEX "usage_counters_window_idx" ON "usage_counters" ("window_start")`);
        await queryRunner.query(`DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                GRANT SELECT, INSERT, UPDATE, DELETE ON ${TABLES.join(', ')} TO ${APP_ROLE};
              END IF;
            END $$`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const table of [...TABLES].reverse()) await queryRunner.query(`DROP TABLE "${table}"`);
    }

}
