/**
 * The audit register: access records and change history, each an append-only hash chain in
 * monthly partitions; signed checkpoints of the chain heads; and the application's own
 * database role, which may add to the register but never change or remove what is in it.
 */
import type { MigrationInterface, QueryRunner } from "typeorm";

export const APP_ROLE = 'customer_records_app';
const DATA_TABLES = ['staff', 'customers', 'contacts', 'transactions', 'complaints', 'complaint_events'];
const REGISTER_TABLES = ['audit_access', 'audit_changes', 'audit_checkpoints'];
const APPEND_ONLY_TABLES = [...REGISTER_TABLES, 'audit_register'];

/** Columns every chained record has, whatever its stream. */
const CHAIN_COLUMNS = `"seq" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "prev_hash" bytea NOT NULL, "hash" bytea NOT NULL`;
const PRINCIPAL_COLUMNS = `"request_id" text NOT NULL, "principal_sub" text NOT NULL, "principal_role" text NOT NULL, "token_id" text, "partner_id" text, "operation_name" text`;

export class AuditRegister1795334400000 implements MigrationInterface {
    name = 'AuditRegister1795334400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "audit_access" (${CHAIN_COLUMNS}, ${PRINCIPAL_COLUMNS}, "purpose" text, "client_address" text, "operation_type" text, "document_hash" text, "fields" jsonb NOT NULL, "customers_clear" uuid[] NOT NULL, "customers_masked" uuid[] NOT NULL, "clear_values" integer NOT NULL, "masked_values" integer NOT NULL, "removed_values" integer NOT NULL, "outcome" text NOT NULL, "error_codes" text[] NOT NULL, "duration_us" bigint NOT NULL, CONSTRAINT "audit_access_pkey" PRIMARY KEY ("seq", "occurred_at")) PARTITION BY RANGE ("occurred_at")`);
        await queryRunner.query(`CREATE INDEX "audit_access_time_idx" ON "audit_access" ("occurred_at", "seq")`);
        await queryRunner.query(`CREATE INDEX "audit_access_principal_idx" ON "audit_access" ("principal_sub", "occurred_at")`);
        await queryRunner.query(`CREATE INDEX "audit_access_customers_clear_idx" ON "audit_access" USING gin ("customers_clear")`);
        await queryRunner.query(`CREATE INDEX "audit_access_customers_masked_idx" ON "audit_access" USING gin ("customers_masked")`);
        await queryRunner.query(`CREATE INDEX "audit_access_purpose_idx" ON "audit_access" ("purpose", "occurred_at")`);
        await queryRunner.query(`CREATE INDEX "audit_access_refused_idx" ON "audit_access" ("outcome", "occurred_at") WHERE outcome <> 'OK'`);
        await queryRunner.query(`CREATE INDEX "audit_access_clear_idx" ON "audit_access" ("occurred_at") WHERE clear_values > 0`);

        await queryRunner.query(`CREATE TABLE "audit_changes" (${CHAIN_COLUMNS}, ${PRINCIPAL_COLUMNS}, "entity" text NOT NULL, "entity_id" text NOT NULL, "customer_id" uuid, "action" text NOT NULL, "changes" jsonb NOT NULL, CONSTRAINT "audit_changes_action_check" CHECK (action IN ('CREATE', 'UPDATE', 'DELETE')), CONSTRAINT "audit_changes_pkey" PRIMARY KEY ("seq", "occurred_at")) PARTITION BY RANGE ("occurred_at")`);
        await queryRunner.query(`CREATE INDEX "audit_changes_entity_idx" ON "audit_changes" ("entity", "entity_id", "occurred_at")`);
        await queryRunner.query(`CREATE INDEX "audit_changes_customer_idx" ON "audit_changes" ("customer_id", "occurred_at")`);
        await queryRunner.query(`CREATE INDEX "audit_changes_principal_idx" ON "audit_changes" ("principal_sub", "occurred_at")`);
        await queryRunner.query(`CREATE INDEX "audit_changes_time_idx" ON "audit_changes" ("occurred_at", "seq")`);

        // Which register this is: checkpoints kept outside the database name it.
        await queryRunner.query(`CREATE TABLE "audit_register" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "audit_register_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`INSERT INTO "audit_register" DEFAULT VALUES`);
        // The writer's cursor per stream; verification never trusts it, only compares it with the rows.
        await queryRunner.query(`CREATE TABLE "audit_chain_heads" ("stream" text NOT NULL, "seq" bigint NOT NULL, "hash" bytea NOT NULL, CONSTRAINT "audit_chain_heads_pkey" PRIMARY KEY ("stream"))`);
        await queryRunner.query(`INSERT INTO "audit_chain_heads" ("stream", "seq", "hash") VALUES ('access', 0, '\\x${'00'.repeat(32)}'), ('change', 0, '\\x${'00'.repeat(32)}')`);
        // kind RETENTION: the signed anchor a verification starts from after old partitions were dropped.
        await queryRunner.query(`CREATE TABLE "audit_checkpoints" ("id" bigint GENERATED ALWAYS AS IDENTITY, "stream" text NOT NULL, "kind" text NOT NULL DEFAULT 'HEAD', "seq" bigint NOT NULL, "hash" bytea NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "key_id" text NOT NULL, "signature" bytea NOT NULL, CONSTRAINT "audit_checkpoints_kind_check" CHECK (kind IN ('HEAD', 'RETENTION')), CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "audit_checkpoints_stream_idx" ON "audit_checkpoints" ("stream", "seq")`);

        // Append-only for everyone, owner included (the owner can drop a trigger; the app role cannot).
        await queryRunner.query(`CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'the audit register is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END $$`);
        for (const table of APPEND_ONLY_TABLES) {
            await queryRunner.query(`CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
            await queryRunner.query(`CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
        }

        // Monthly partitions (UTC months), created ahead by the server and the maintenance CLI.
        // SECURITY DEFINER: the app role may create next month's partition but owns nothing.
        await queryRunner.query(`CREATE FUNCTION audit_ensure_partitions(months_ahead integer DEFAULT 2) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
            DECLARE
              parent text;
              utc_month timestamp; -- month start on the UTC wall clock: month arithmetic without DST
              partition text;
              created integer := 0;
            BEGIN
              IF months_ahead < 0 OR months_ahead > 24 THEN
                RAISE EXCEPTION 'months_ahead must be between 0 and 24';
              END IF;
              FOREACH parent IN ARRAY ARRAY['audit_access', 'audit_changes'] LOOP
                FOR i IN 0..months_ahead LOOP
                  utc_month := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
                  partition := parent || '_' || to_char(utc_month, 'YYYY_MM');
                  IF to_regclass(partition) IS NULL THEN
                    BEGIN
                      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition, parent,
                                     utc_month AT TIME ZONE 'UTC', (utc_month + interval '1 month') AT TIME ZONE 'UTC');
                      -- Row triggers reach partitions from the parent; TRUNCATE triggers do not.
                      EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()',
                                     partition || '_no_truncate', partition);
                      created := created + 1;
                    EXCEPTION WHEN duplicate_table THEN NULL; -- another process made it first
                    END;
                  END IF;
                END LOOP;
              END LOOP;
              RETURN created;
            END $$`);
        await queryRunner.query(`REVOKE ALL ON FUNCTION audit_ensure_partitions(integer) FROM PUBLIC`);
        await queryRunner.query(`SELECT audit_ensure_partitions(2)`);

        // The app's role: created when the migrating user may create roles (roles are per cluster,
        // so another database may have made it already). Without it the triggers alone protect.
        await queryRunner.query(`DO $$
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                CREATE ROLE ${APP_ROLE} NOLOGIN;
              END IF;
            EXCEPTION
              WHEN duplicate_object OR unique_violation THEN NULL;
              WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role ${APP_ROLE}: the register is protected by triggers only';
            END $$`);
        await queryRunner.query(`DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                EXECUTE 'GRANT ${APP_ROLE} TO ' || quote_ident(current_user);
                GRANT USAGE ON SCHEMA public TO ${APP_ROLE};
                GRANT SELECT, INSERT, UPDATE, DELETE ON ${DATA_TABLES.join(', ')} TO ${APP_ROLE};
                GRANT USAGE, SELECT, UPDATE ON SEQUENCE customer_archive_seq TO ${APP_ROLE};
                GRANT SELECT ON schema_migrations TO ${APP_ROLE};
                GRANT SELECT, INSERT ON ${REGISTER_TABLES.join(', ')} TO ${APP_ROLE};
                GRANT SELECT, UPDATE ON audit_chain_heads TO ${APP_ROLE};
                GRANT SELECT ON audit_register TO ${APP_ROLE};
                GRANT EXECUTE ON FUNCTION audit_ensure_partitions(integer) TO ${APP_ROLE};
              END IF;
            END $$`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                REVOKE ALL ON ${DATA_TABLES.join(', ')}, schema_migrations FROM ${APP_ROLE};
                REVOKE ALL ON SEQUENCE customer_archive_seq FROM ${APP_ROLE};
                REVOKE ALL ON SCHEMA public FROM ${APP_ROLE};
              END IF;
            END $$`);
        await queryRunner.query(`DROP TABLE "audit_checkpoints"`);
        await queryRunner.query(`DROP TABLE "audit_chain_heads"`);
        await queryRunner.query(`DROP TABLE "audit_register"`);
        await queryRunner.query(`DROP TABLE "audit_changes"`);
        await queryRunner.query(`DROP TABLE "audit_access"`);
        await queryRunner.query(`DROP FUNCTION audit_ensure_partitions(integer)`);
        await queryRunner.query(`DROP FUNCTION audit_refuse_change()`);
        // The role is shared by every database of the cluster: dropped only when nothing else uses it.
        await queryRunner.query(`DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
                DROP ROLE ${APP_ROLE};
              END IF;
            EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
              RAISE NOTICE 'role ${APP_ROLE} kept: other databases of this cluster still use it';
            END $$`);
    }

}
