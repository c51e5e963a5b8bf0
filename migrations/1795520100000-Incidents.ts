/**
 * Incident response (issue 18 item 4; seed 000 七, seed 003 四(五)): an incident about a principal
 * (staff member, partner or partner token) and a time window, its containment, the customers the
 * register says that principal received, and its timeline. A complaint in the PRIVACY category
 * opens one for triage.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

export class Incidents1795520100000 implements MigrationInterface {
  name = 'Incidents1795520100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "incidents" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "status" text NOT NULL,
      "source" text NOT NULL,
      "complaint_id" uuid,
      "principal_kind" text,
      "principal_ref" text,
      "window_from" TIMESTAMP WITH TIME ZONE,
      "window_to" TIMESTAMP WITH TIME ZONE,
      "summary" text NOT NULL,
      "declared_by" uuid,
      "declared_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "contained_at" TIMESTAMP WITH TIME ZONE,
      "notified_at" TIMESTAMP WITH TIME ZONE,
      "closed_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "incidents_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "incidents_status_check" CHECK (status IN ('TRIAGE', 'CONTAINED', 'NOTIFIED', 'CLOSED')),
      CONSTRAINT "incidents_source_check" CHECK (source IN ('DECLARED', 'COMPLAINT')),
      CONSTRAINT "incidents_principal_kind_check" CHECK (principal_kind IN ('STAFF', 'PARTNER', 'TOKEN')),
      CONSTRAINT "incidents_principal_check" CHECK ((principal_kind IS NULL) = (principal_ref IS NULL) AND (status = 'TRIAGE' OR principal_kind IS NOT NULL)),
      CONSTRAINT "incidents_window_check" CHECK (window_to > window_from AND (status = 'TRIAGE' OR window_from IS NOT NULL)),
      CONSTRAINT "incidents_summary_check" CHECK (char_length(summary) BETWEEN 1 AND 500)
    )`);
    await queryRunner.query(`ALTER TABLE "incidents" ADD CONSTRAINT "incidents_complaint_fk" FOREIGN KEY ("complaint_id") REFERENCES "complaints"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`ALTER TABLE "incidents" ADD CONSTRAINT "incidents_declared_by_fk" FOREIGN KEY ("declared_by") REFERENCES "staff"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE UNIQUE INDEX "incidents_complaint_idx" ON "incidents" ("complaint_id")`);
    await queryRunner.query(`CREATE INDEX "incidents_declared_by_idx" ON "incidents" ("declared_by")`);
    await queryRunner.query(`CREATE INDEX "incidents_declared_at_idx" ON "incidents" ("declared_at")`);
    await queryRunner.query(`CREATE TABLE "incident_events" (
      "id" bigserial NOT NULL,
      "incident_id" uuid NOT NULL,
      "at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "kind" text NOT NULL,
      "actor" text,
      "detail" jsonb NOT NULL DEFAULT '{}',
      CONSTRAINT "incident_events_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "incident_events_kind_check" CHECK (kind IN ('OPENED_FOR_TRIAGE', 'DECLARED', 'CONTAINED', 'AFFECTED_LISTED', 'NOTIFICATION_EXPORTED', 'CUSTOMERS_NOTIFIED', 'CLOSED'))
    )`);
    await queryRunner.query(`ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_fk" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE RESTRICT`);
    await queryRunner.query(`CREATE INDEX "incident_events_incident_idx" ON "incident_events" ("incident_id", "id")`);
    await queryRunner.query(`DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
            GRANT SELECT, INSERT, UPDATE ON incidents TO ${APP_ROLE};
            GRANT SELECT, INSERT ON incident_events TO ${APP_ROLE};
            GRANT USAGE ON SEQUENCE incident_events_id_seq TO ${APP_ROLE};
          END IF;
        END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "incident_events"`);
    await queryRunner.query(`DROP TABLE "incidents"`);
  }
}
