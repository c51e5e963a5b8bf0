/**
 * Review of the read compiler (issue 16) with an attacker's eye: what the statement serves, to
 * whom, and what the register and the budget learn of it — on both paths where the finding is
 * shared with the resolver path.
 */
import { randomUUID } from 'node:crypto';
import { selectList } from '../../src/audit/chain';
import { startTestServer, type TestServer } from '../harness/server';

describe('Compiled reads under attack (review)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  const fresh = async () => {
    await server.db.pool.query(`DELETE FROM usage_counters`);
    await server.db.pool.query(`DELETE FROM breadth_counters`);
  };

  async function accessRecord(requestId: string) {
    const { rows } = await server.db.pool.query(`SELECT ${selectList('access')} FROM audit_access r WHERE r.request_id = $1`, [requestId]);
    expect(rows).toHaveLength(1);
    return rows[0] as { customersClear: string[]; customersMasked: string[]; clearValues: number; maskedValues: number };
  }

  it.each([true, false])('a complaint timeline note read (compiled: %s) is registered against the complaint\'s customer', async (compiled) => {
    const { rows: [complaint] } = await server.db.pool.query<{ id: string; customer: string }>(
      `SELECT k.id::text, k.customer_id::text AS customer FROM complaints k JOIN customers c ON c.id = k.customer_id
       WHERE c.status = 'ACTIVE' AND EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = k.id AND e.note_sealed IS NOT NULL) LIMIT 1`,
    );
    expect(complaint).toBeDefined();
    await fresh();
    const requestId = randomUUID();
    const result = await server.execute<any>(`query Notes($id: ID!) { complaint(id: $id) { timeline { note } } }`, {
      role: 'manager', variables: { id: complaint.id }, requestId, ...(compiled ? {} : { compiledReads: false }),
    });
    expect(result.body.errors).toBeUndefined();
    expect(result.compiled).toBe(compiled);
    const notes = (result.body.data.complaint.timeline as { note: string | null }[]).filter((e) => e.note !== null);
    expect(notes.length).toBeGreaterThan(0);
    const record = await accessRecord(requestId);
    expect(record.maskedValues + record.clearValues).toBe(notes.length);
    // A customer whose values the response carries is named by the register (who read my data?).
    expect([...record.customersMasked, ...record.customersClear]).toContain(complaint.customer);
  });
});
