/** The initial schema: staff, customers, contacts, transactions, complaints and their timeline. */
import type { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1767225600000 implements MigrationInterface {
    name = 'Initial1767225600000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "staff" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" text NOT NULL, "display_name" text NOT NULL, "role" text NOT NULL, "branch" text, "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "staff_username_key" UNIQUE ("username"), CONSTRAINT "staff_role_check" CHECK (role IN ('sales', 'service', 'manager', 'analyst', 'auditor', 'admin')), CONSTRAINT "staff_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "customers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "kind" text NOT NULL, "archive_number" text NOT NULL, "name" text NOT NULL, "id_number" text, "birth_date" date, "gender" text, "phone" text, "email" text, "address" text, "employer" text, "annual_income" numeric(18,2), "total_assets" numeric(20,2), "bank_card_number" text, "credit_code" text, "legal_representative" text, "business_scope" text, "industry" text, "tier" text NOT NULL DEFAULT 'GENERAL', "credit_rating" text, "relationship_manager_id" uuid, "status" text NOT NULL DEFAULT 'ACTIVE', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "customers_archive_number_key" UNIQUE ("archive_number"), CONSTRAINT "customers_money_check" CHECK (annual_income >= 0 AND total_assets >= 0), CONSTRAINT "customers_archive_number_check" CHECK (archive_number ~ '^[PE][0-9]{15}$' AND (kind = 'INDIVIDUAL') = (archive_number LIKE 'P%')), CONSTRAINT "customers_credit_rating_check" CHECK (credit_rating IN ('AAA', 'AA', 'A', 'BBB', 'BB', 'B', 'C')), CONSTRAINT "customers_gender_check" CHECK (gender IN ('MALE', 'FEMALE')), CONSTRAINT "customers_status_check" CHECK (status IN ('ACTIVE', 'CLOSED', 'ERASED')), CONSTRAINT "customers_tier_check" CHECK (tier IN ('KEY', 'GENERAL')), CONSTRAINT "customers_kind_check" CHECK (kind IN ('INDIVIDUAL', 'CORPORATE')), CONSTRAINT "customers_pkey" PRIMARY KEY ("id"))`);
        // Source of the 7-digit sequence part of new archive numbers (the seed moves it past its own).
        await queryRunner.query(`CREATE SEQUENCE "customer_archive_seq" MINVALUE 1 MAXVALUE 9999999 NO CYCLE`);
        await queryRunner.query(`CREATE UNIQUE INDEX "customers_id_number_key" ON "customers"  ("id_number") WHERE id_number IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "customers_phone_idx" ON "customers"  ("phone") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "customers_credit_code_key" ON "customers"  ("credit_code") WHERE credit_code IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "customers_status_idx" ON "customers"  ("status", "created_at") `);
        await queryRunner.query(`CREATE INDEX "customers_tier_idx" ON "customers"  ("tier", "created_at") `);
        await queryRunner.query(`CREATE INDEX "customers_kind_idx" ON "customers"  ("kind", "created_at") `);
        await queryRunner.query(`CREATE INDEX "customers_rm_idx" ON "customers"  ("relationship_manager_id", "created_at") `);
        await queryRunner.query(`CREATE INDEX "customers_updated_at_idx" ON "customers"  ("updated_at", "id") `);
        await queryRunner.query(`CREATE INDEX "customers_created_at_idx" ON "customers"  ("created_at", "id") `);
        await queryRunner.query(`CREATE TABLE "contacts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "name" text NOT NULL, "position" text, "phone" text, "email" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "contacts_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "contacts_customer_idx" ON "contacts"  ("customer_id", "created_at", "id") `);
        await queryRunner.query(`CREATE TABLE "transactions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "amount" numeric(18,2) NOT NULL, "currency" character(3) NOT NULL DEFAULT 'CNY', "direction" text NOT NULL, "channel" text NOT NULL, "product" text NOT NULL, "description" text, "account_number" text NOT NULL, "counterparty_name" text, "counterparty_account" text, "status" text NOT NULL DEFAULT 'COMPLETED', CONSTRAINT "transactions_status_check" CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'REVERSED')), CONSTRAINT "transactions_channel_check" CHECK (channel IN ('COUNTER', 'ATM', 'ONLINE', 'MOBILE', 'POS', 'TRANSFER')), CONSTRAINT "transactions_direction_check" CHECK (direction IN ('DEBIT', 'CREDIT')), CONSTRAINT "transactions_currency_check" CHECK (currency ~ '^[A-Z]{3}$'), CONSTRAINT "transactions_amount_check" CHECK (amount > 0), CONSTRAINT "transactions_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "transactions_amount_idx" ON "transactions"  ("amount") `);
        await queryRunner.query(`CREATE INDEX "transactions_direction_idx" ON "transactions"  ("direction", "occurred_at") `);
        await queryRunner.query(`CREATE INDEX "transactions_channel_idx" ON "transactions"  ("channel", "occurred_at") `);
        await queryRunner.query(`CREATE INDEX "transactions_occurred_at_idx" ON "transactions"  ("occurred_at", "id") `);
        await queryRunner.query(`CREATE INDEX "transactions_customer_idx" ON "transactions"  ("customer_id", "occurred_at", "id") `);
        await queryRunner.query(`CREATE TABLE "complaints" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "channel" text NOT NULL, "category" text NOT NULL, "description" text NOT NULL, "urgency" text NOT NULL, "severity" text NOT NULL, "status" text NOT NULL DEFAULT 'RECEIVED', "assignee_id" uuid, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE, "closed_at" TIMESTAMP WITH TIME ZONE, "resolution" text, "delay_reason" text, "satisfaction" smallint, CONSTRAINT "complaints_due_check" CHECK (due_at >= received_at), CONSTRAINT "complaints_satisfaction_check" CHECK (satisfaction BETWEEN 1 AND 5), CONSTRAINT "complaints_status_check" CHECK (status IN ('RECEIVED', 'ASSIGNED', 'INVESTIGATING', 'RESOLVED', 'CLOSED')), CONSTRAINT "complaints_severity_check" CHECK (severity IN ('MINOR', 'MODERATE', 'MAJOR', 'CRITICAL')), CONSTRAINT "complaints_urgency_check" CHECK (urgency IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')), CONSTRAINT "complaints_category_check" CHECK (category IN ('SERVICE_ATTITUDE', 'FEES', 'CARD', 'TRANSACTION_DISPUTE', 'PRODUCT_MISSELLING', 'PRIVACY', 'DIGITAL_CHANNEL', 'OTHER')), CONSTRAINT "complaints_channel_check" CHECK (channel IN ('HOTLINE', 'ONLINE', 'EMAIL', 'BRANCH')), CONSTRAINT "complaints_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "complaints_open_due_idx" ON "complaints"  ("due_at") WHERE closed_at IS NULL`);
        await queryRunner.query(`CREATE INDEX "complaints_closed_late_idx" ON "complaints"  ("received_at") WHERE closed_at > due_at`);
        await queryRunner.query(`CREATE INDEX "complaints_assignee_idx" ON "complaints"  ("assignee_id", "received_at") `);
        await queryRunner.query(`CREATE INDEX "complaints_status_idx" ON "complaints"  ("status", "received_at") `);
        await queryRunner.query(`CREATE INDEX "complaints_received_at_idx" ON "complaints"  ("received_at", "id") `);
        await queryRunner.query(`CREATE INDEX "complaints_customer_idx" ON "complaints"  ("customer_id", "received_at", "id") `);
        await queryRunner.query(`CREATE TABLE "complaint_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "complaint_id" uuid NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "status" text NOT NULL, "actor_id" uuid, "note" text, CONSTRAINT "complaint_events_status_check" CHECK (status IN ('RECEIVED', 'ASSIGNED', 'INVESTIGATING', 'RESOLVED', 'CLOSED')), CONSTRAINT "complaint_events_pkey" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "complaint_events_actor_idx" ON "complaint_events"  ("actor_id") `);
        await queryRunner.query(`CREATE INDEX "complaint_events_complaint_idx" ON "complaint_events"  ("complaint_id", "occurred_at") `);
        await queryRunner.query(`ALTER TABLE "customers" ADD CONSTRAINT "customers_relationship_manager_fk" FOREIGN KEY ("relationship_manager_id") REFERENCES "staff"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "contacts" ADD CONSTRAINT "contacts_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "transactions" ADD CONSTRAINT "transactions_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_assignee_fk" FOREIGN KEY ("assignee_id") REFERENCES "staff"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_complaint_fk" FOREIGN KEY ("complaint_id") REFERENCES "complaints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_actor_fk" FOREIGN KEY ("actor_id") REFERENCES "staff"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "complaint_events" DROP CONSTRAINT "complaint_events_actor_fk"`);
        await queryRunner.query(`ALTER TABLE "complaint_events" DROP CONSTRAINT "complaint_events_complaint_fk"`);
        await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_assignee_fk"`);
        await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_customer_fk"`);
        await queryRunner.query(`ALTER TABLE "transactions" DROP CONSTRAINT "transactions_customer_fk"`);
        await queryRunner.query(`ALTER TABLE "contacts" DROP CONSTRAINT "contacts_customer_fk"`);
        await queryRunner.query(`ALTER TABLE "customers" DROP CONSTRAINT "customers_relationship_manager_fk"`);
        await queryRunner.query(`DROP INDEX "public"."complaint_events_complaint_idx"`);
        await queryRunner.query(`DROP INDEX "public"."complaint_events_actor_idx"`);
        await queryRunner.query(`DROP TABLE "complaint_events"`);
        await queryRunner.query(`DROP INDEX "public"."complaints_customer_idx"`);
        await queryRunner.query(`DROP INDEX "public"."complaints_received_at_idx"`);
        await queryRunner.query(`DROP INDEX "public"."complaints_status_idx"`);
        await queryRunner.query(`DROP INDEX "public"."complaints_assignee_idx"`);
        await queryRunner.query(`DROP INDEX "public"."complaints_closed_late_idx"`);
        await queryRunner.query(`DROP INDEX "public"."complaints_open_due_idx"`);
        await queryRunner.query(`DROP TABLE "complaints"`);
        await queryRunner.query(`DROP INDEX "public"."transactions_customer_idx"`);
        await queryRunner.query(`DROP INDEX "public"."transactions_occurred_at_idx"`);
        await queryRunner.query(`DROP INDEX "public"."transactions_channel_idx"`);
        await queryRunner.query(`DROP INDEX "public"."transactions_direction_idx"`);
        await queryRunner.query(`DROP INDEX "public"."transactions_amount_idx"`);
        await queryRunner.query(`DROP TABLE "transactions"`);
        await queryRunner.query(`DROP INDEX "public"."contacts_customer_idx"`);
        await queryRunner.query(`DROP TABLE "contacts"`);
        await queryRunner.query(`DROP INDEX "public"."customers_created_at_idx"`);
        await queryRunner.query(`DROP INDEX "public"."customers_updated_at_idx"`);
        await queryRunner.query(`DROP INDEX "public"."customers_rm_idx"`);
        await queryRunner.query(`DROP INDEX "public"."customers_kind_idx"`);
        await queryRunner.query(`DROP INDEX "public"."customers_tier_idx"`);
        await queryRunner.query(`DROP INDEX "public"."customers_status_idx"`);
        await queryRunner.query(`DROP INDEX "public"."customers_credit_code_key"`);
        await queryRunner.query(`DROP INDEX "public"."customers_phone_idx"`);
        await queryRunner.query(`DROP INDEX "public"."customers_id_number_key"`);
        await queryRunner.query(`DROP TABLE "customers"`);
        await queryRunner.query(`DROP SEQUENCE "customer_archive_seq"`);
        await queryRunner.query(`DROP TABLE "staff"`);
    }

}
