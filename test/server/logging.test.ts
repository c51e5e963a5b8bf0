import { buildNationalId } from '../../src/domain/national-id';
import { startTestServer, type TestServer } from '../harness/server';

/** Captures every log line the server writes. */
class LogCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  get text(): string {
    return this.lines.join('');
  }
}

describe('Logs', () => {
  const capture = new LogCapture();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({}, capture);
  });

  afterAll(() => server.stop());

  it('record each operation with its request id and SQL count, but no token, query text, variable or value', async () => {
    // The rep of this customer reads its phone clear: the clear value is in the response, never in the log.
    // Ground truth from the stored row, sealed fields opened (the plaintext columns are NULL).
    const rows = await server.clearRows<{ id: string; id_number: string; phone: string; relationship_manager_id: string }>(
      'customers',
      `t.kind = 'INDIVIDUAL' AND t.relationship_manager_id IS NOT NULL AND t.id_number_sealed IS NOT NULL AND t.phone_sealed IS NOT NULL`,
      [],
      'LIMIT 1',
    );
    expect(rows[0].id_number).toEqual(expect.any(String));
    expect(rows[0].phone).toEqual(expect.any(String));
    const token = await server.token({ role: 'sales', sub: rows[0].relationship_manager_id });
    const query = encodeURIComponent(`query ($id: ID!) { customer(id: $id) { idNumber phone } }`);
    const variables = encodeURIComponent(JSON.stringify({ id: rows[0].id }));
    const get = await fetch(`${server.url}/graphql?query=${query}&variables=${variables}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true', 'x-request-id': 'log-test-1', 'x-purpose': 'relationship_management' },
    });
    expect(((await get.json()) as any).data.customer.phone).toBe(rows[0].phone);

    const badId = buildNationalId('110101', '1980-01-01', 1, 'MALE').slice(0, 17) + '0';
    await server.gql(`mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, {
      token,
      variables: { input: { kind: 'INDIVIDUAL', name: '日志测试', idNumber: badId, phone: '13600001234' } },
    });
    await server.gql(`{ customer(id: "not-a-uuid-6222020000111122223") { id } }`, { token });

    const text = capture.text;
    expect(text).toContain('"id":"log-test-1"');
    expect(text).toMatch(/"msg":"graphql operation"/);
    expect(text).toMatch(/"sql":\d+/);
    for (const secret of [rows[0].id_number, rows[0].phone, badId, '13600001234', '6222020000111122223', token, 'idNumber phone']) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
  });
});
