/**
 * Security review of issue 18: the clear-access grant's free texts (reason, decision note, review
 * note, revoke reason — a NOT_JUSTIFIED review copies its note there) are sealed at rest like every
 * other free text about a customer: `<column>_sealed` + `<column>_masked`, the plaintext column left
 * empty by a NOT VALID check (rows from before are sealed online by `npm run keys -- seal`, also run
 * at start, which then validates the check). The incident timeline's free text (close note,
 * notification reference) moves out of the event's JSON detail into a column of its own, `note`, so
 * that the policy can mask it like the incident's summary (incidents belong to no customer: stored
 * as the summary is, in clear, numbers refused on input).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Frozen here: a migration does not follow later code. */
const SEALED = ['reason', 'decision_note', 'review_note', 'revoke_reason'];
/** incident event kind → the detail key its free text was kept under. */
const NOTE_KEYS: [kind: string, key: string][] = [['CLOSED', 'note'], ['CUSTOMERS_NOTIFIED', 'reference']];

export class GrantTextsSealed1795520800000 implements MigrationInterface {
  name = 'GrantTextsSealed1795520800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const adds = SEALED.flatMap((c) => [`ADD "${c}_sealed" bytea`, `ADD "${c}_masked" text`]);
    await queryRunner.query(`ALTER TABLE "clear_access_grants" ${adds.join(', ')}, ALTER COLUMN "reason" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "clear_access_grants" ADD CONSTRAINT "clear_access_grants_plaintext_sealed_check" CHECK (${SEALED.map((c) => `"${c}" IS NULL`).join(' AND ')}) NOT VALID`,
    );
    await queryRunner.query(`ALTER TABLE "incident_events" ADD "note" text`);
    for (const [kind, key] of NOTE_KEYS) {
      await queryRunner.query(`UPDATE incident_events SET note = detail->>'${key}', detail = detail - '${key}' WHERE kind = '${kind}' AND detail ? '${key}'`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [kind, key] of NOTE_KEYS) {
      await queryRunner.query(`UPDATE incident_events SET detail = detail || jsonb_build_object('${key}', note) WHERE kind = '${kind}' AND note IS NOT NULL`);
    }
    await queryRunner.query(`ALTER TABLE "incident_events" DROP COLUMN "note"`);
    // Sealed texts cannot be brought back here (the keys are outside SQL): nothing is discarded to go down.
    const [{ sealed }] = await queryRunner.query(
      `SELECT count(*)::int AS sealed FROM clear_access_grants WHERE ${SEALED.map((c) => `"${c}_sealed" IS NOT NULL`).join(' OR ')}`,
    );
    if (sealed > 0) throw new Error(`GrantTextsSealed down(): ${sealed} grants hold sealed texts; going down would destroy them`);
    await queryRunner.query(`ALTER TABLE "clear_access_grants" DROP CONSTRAINT "clear_access_grants_plaintext_sealed_check"`);
    // Emptied by erasure (no form left): the old NOT NULL needs a value.
    await queryRunner.query(`UPDATE clear_access_grants SET reason = '(erased)' WHERE reason IS NULL`);
    const drops = SEALED.flatMap((c) => [`DROP COLUMN "${c}_sealed"`, `DROP COLUMN "${c}_masked"`]);
    await queryRunner.query(`ALTER TABLE "clear_access_grants" ${drops.join(', ')}, ALTER COLUMN "reason" SET NOT NULL`);
  }
}
