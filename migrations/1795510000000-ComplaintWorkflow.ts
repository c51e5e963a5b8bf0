/**
 * The complaint workflow (issue 17): an ACKNOWLEDGED state, a human-readable number, the fields
 * the seeds name (the customer's request, the handling plan, the investigation report, the
 * survey comment — free texts sealed like the others: `<column>_sealed` + `<column>_masked`, the
 * legacy plaintext column kept empty by a check), the interim deadline, escalation and reopening,
 * timeline events of more kinds than a status, and the outbox of messages to the customer.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

/** Frozen here: a migration does not follow later code. */
const NEW_SEALED = ['customer_request', 'handling_measures', 'investigation_cause', 'investigation_course', 'investigation_responsibility',
  'investigation_conclusion', 'investigation_countermeasures', 'satisfaction_comment'];
const OLD_SEALED = ['description', 'resolution', 'delay_reason'];
const STATES = `('RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING', 'RESOLVED', 'CLOSED')`;
const OLD_STATES = `('RECEIVED', 'ASSIGNED', 'INVESTIGATING', 'RESOLVED', 'CLOSED')`;
const EVENT_KINDS = `('STATUS', 'PROGRESS', 'DELAY', 'ESCALATED', 'REOPENED', 'SURVEY', 'MESSAGE')`;

export class ComplaintWorkflow1795510000000 implements MigrationInterface {
  name = 'ComplaintWorkflow1795510000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_status_check"`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_status_check" CHECK (status IN ${STATES})`);
    await queryRunner.query(`ALTER TABLE "complaint_events" DROP CONSTRAINT "complaint_events_status_check"`);
    await queryRunner.query(`ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_status_check" CHECK (status IN ${STATES})`);

    // TS-<yyyymm of receipt, China time>-<six digits>: given by the database so every writer (API, seed) gets one.
    await queryRunner.query(`CREATE SEQUENCE "complaint_number_seq"`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD "number" text`);
    await queryRunner.query(`CREATE FUNCTION complaint_number() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.number IS NULL THEN
          NEW.number := 'TS-' || to_char(NEW.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMM') || '-' || lpad(nextval('complaint_number_seq')::text, 6, '0');
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER complaints_number BEFORE INSERT ON complaints FOR EACH ROW EXECUTE FUNCTION complaint_number()`);
    await queryRunner.query(`UPDATE complaints SET number = 'TS-' || to_char(received_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMM') || '-' || lpad(nextval('complaint_number_seq')::text, 6, '0')
      WHERE number IS NULL`);
    await queryRunner.query(`ALTER TABLE "complaints" ALTER COLUMN "number" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "complaints_number_key" ON "complaints" ("number")`);

    const sealedAdds = NEW_SEALED.flatMap((c) => [`ADD "${c}" text`, `ADD "${c}_sealed" bytea`, `ADD "${c}_masked" text`]);
    await queryRunner.query(`ALTER TABLE "complaints" ${sealedAdds.join(', ')},
      ADD "reply_channel" text, ADD "acknowledged_at" TIMESTAMP WITH TIME ZONE, ADD "interim_due_at" TIMESTAMP WITH TIME ZONE,
      ADD "first_progress_at" TIMESTAMP WITH TIME ZONE, ADD "handling_owner_id" uuid, ADD "handling_deadline" TIMESTAMP WITH TIME ZONE,
      ADD "delay_explained_at" TIMESTAMP WITH TIME ZONE, ADD "escalated_at" TIMESTAMP WITH TIME ZONE, ADD "escalated_by" uuid,
      ADD "reopen_count" integer NOT NULL DEFAULT 0, ADD "branch" text`);
    // Nothing is ever written to the new plaintext columns (they exist for the sealing machinery's uniform shape):
    // the table's plaintext check covers them too (NOT VALID as before; `npm run keys -- seal` validates it).
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_plaintext_sealed_check"`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_plaintext_sealed_check" CHECK (${[...OLD_SEALED, ...NEW_SEALED].map((c) => `"${c}" IS NULL`).join(' AND ')}) NOT VALID`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_reply_channel_check" CHECK (reply_channel IN ('EMAIL', 'SMS'))`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_handling_owner_fk" FOREIGN KEY ("handling_owner_id") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_escalated_by_fk" FOREIGN KEY ("escalated_by") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE INDEX "complaints_handling_owner_idx" ON "complaints" ("handling_owner_id")`);
    await queryRunner.query(`CREATE INDEX "complaints_escalated_by_idx" ON "complaints" ("escalated_by")`);
    await queryRunner.query(`UPDATE complaints SET interim_due_at = received_at + interval '48 hours'`);
    // The worklist and the escalation job: complaints still worked, by due time.
    await queryRunner.query(`CREATE INDEX "complaints_worked_due_idx" ON "complaints" ("due_at") WHERE status IN ('RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING')`);

    await queryRunner.query(`ALTER TABLE "complaint_events" ADD "kind" text NOT NULL DEFAULT 'STATUS', ADD "seq" bigint GENERATED ALWAYS AS IDENTITY`);
    await queryRunner.query(`ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_kind_check" CHECK (kind IN ${EVENT_KINDS})`);

    // The outbox: written in the step's transaction, delivered by the worker (FOR UPDATE SKIP LOCKED). No
    // address and no text here: the worker reads the customer's contact and the complaint when it sends.
    await queryRunner.query(`CREATE TABLE "complaint_messages" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "complaint_id" uuid NOT NULL, "customer_id" uuid NOT NULL,
      "kind" text NOT NULL, "channel" text NOT NULL, "status" text NOT NULL DEFAULT 'PENDING',
      "attempts" integer NOT NULL DEFAULT 0, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "sent_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "provider_ref" text,
      CONSTRAINT "complaint_messages_kind_check" CHECK (kind IN ('ACKNOWLEDGEMENT', 'PROGRESS', 'DELAY', 'RESULT')),
      CONSTRAINT "complaint_messages_channel_check" CHECK (channel IN ('EMAIL', 'SMS')),
      CONSTRAINT "complaint_messages_status_check" CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'CANCELLED')),
      CONSTRAINT "complaint_messages_sent_check" CHECK ((status = 'SENT') = (sent_at IS NOT NULL)),
      CONSTRAINT "complaint_messages_pkey" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "complaint_messages" ADD CONSTRAINT "complaint_messages_complaint_fk" FOREIGN KEY ("complaint_id") REFERENCES "complaints"("id") ON DELETE CASCADE`);
    await queryRunner.query(`ALTER TABLE "complaint_messages" ADD CONSTRAINT "complaint_messages_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE INDEX "complaint_messages_complaint_idx" ON "complaint_messages" ("complaint_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "complaint_messages_customer_idx" ON "complaint_messages" ("customer_id")`);
    await queryRunner.query(`CREATE INDEX "complaint_messages_due_idx" ON "complaint_messages" ("next_attempt_at") WHERE status = 'PENDING'`);

    await queryRunner.query(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          GRANT SELECT, INSERT, UPDATE ON complaint_messages TO ${APP_ROLE};
          GRANT USAGE, SELECT ON SEQUENCE complaint_number_seq TO ${APP_ROLE};
        END IF;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "complaint_messages"`);
    await queryRunner.query(`ALTER TABLE "complaint_events" DROP CONSTRAINT "complaint_events_kind_check"`);
    // Events that are no status change did not exist before: they go.
    await queryRunner.query(`DELETE FROM complaint_events WHERE kind <> 'STATUS'`);
    await queryRunner.query(`ALTER TABLE "complaint_events" DROP COLUMN "seq", DROP COLUMN "kind"`);
    await queryRunner.query(`DROP INDEX "complaints_worked_due_idx"`);
    await queryRunner.query(`DROP INDEX "complaints_escalated_by_idx"`);
    await queryRunner.query(`DROP INDEX "complaints_handling_owner_idx"`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_escalated_by_fk"`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_handling_owner_fk"`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_reply_channel_check"`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_plaintext_sealed_check"`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_plaintext_sealed_check" CHECK (${OLD_SEALED.map((c) => `"${c}" IS NULL`).join(' AND ')}) NOT VALID`);
    const sealedDrops = NEW_SEALED.flatMap((c) => [`DROP COLUMN "${c}"`, `DROP COLUMN "${c}_sealed"`, `DROP COLUMN "${c}_masked"`]);
    await queryRunner.query(`ALTER TABLE "complaints" ${sealedDrops.join(', ')}, DROP COLUMN "reply_channel", DROP COLUMN "acknowledged_at", DROP COLUMN "interim_due_at",
      DROP COLUMN "first_progress_at", DROP COLUMN "handling_owner_id", DROP COLUMN "handling_deadline", DROP COLUMN "delay_explained_at",
      DROP COLUMN "escalated_at", DROP COLUMN "escalated_by", DROP COLUMN "reopen_count", DROP COLUMN "branch"`);
    await queryRunner.query(`DROP INDEX "complaints_number_key"`);
    await queryRunner.query(`DROP TRIGGER complaints_number ON complaints`);
    await queryRunner.query(`DROP FUNCTION complaint_number()`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP COLUMN "number"`);
    await queryRunner.query(`DROP SEQUENCE "complaint_number_seq"`);
    // ACKNOWLEDGED did not exist: such complaints go back to RECEIVED.
    await queryRunner.query(`UPDATE complaints SET status = 'RECEIVED' WHERE status = 'ACKNOWLEDGED'`);
    await queryRunner.query(`UPDATE complaint_events SET status = 'RECEIVED' WHERE status = 'ACKNOWLEDGED'`);
    await queryRunner.query(`ALTER TABLE "complaint_events" DROP CONSTRAINT "complaint_events_status_check"`);
    await queryRunner.query(`ALTER TABLE "complaint_events" ADD CONSTRAINT "complaint_events_status_check" CHECK (status IN ${OLD_STATES})`);
    await queryRunner.query(`ALTER TABLE "complaints" DROP CONSTRAINT "complaints_status_check"`);
    await queryRunner.query(`ALTER TABLE "complaints" ADD CONSTRAINT "complaints_status_check" CHECK (status IN ${OLD_STATES})`);
  }
}
