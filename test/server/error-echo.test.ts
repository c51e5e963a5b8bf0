import { startTestServer, type TestServer } from '../harness/server';

/** Real requests whose errors graphql-js would build with the submitted value inside. */
describe('Errors never echo submitted values', () => {
  let server: TestServer;
  let customerId: string;

  beforeAll(async () => {
    server = await startTestServer();
    customerId = (await server.pool.query(`SELECT id FROM customers LIMIT 1`)).rows[0].id;
  });

  afterAll(() => server.stop());

  const SECRET_PHONE = '13800138000';
  const SECRET_ID = '110105199001011234';

  it.each([
    ['an unquoted phone number in an inline input', () => `mutation { addContact(customerId: "${customerId}", input: { name: "x", phone: ${SECRET_PHONE} }) { id } }`, undefined],
    ['an unquoted ID number in an inline input', () => `mutation { createCustomer(input: { kind: INDIVIDUAL, name: "x", idNumber: ${SECRET_ID} }) { id } }`, undefined],
    ['a string with "; " inside an inline value of the wrong type', () => `{ customers(first: "Zhang; ${SECRET_PHONE}") { totalCount } }`, undefined],
    [
      'a variable object missing a required field, with "; " in another value',
      () => `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`,
      { input: { name: 'x', businessScope: 'software; consulting', idNumber: SECRET_ID, phone: SECRET_PHONE } },
    ],
    [
      'a variable object with an unknown key named like a value',
      () => `mutation ($input: ContactInput!) { addContact(customerId: "${customerId}", input: $input) { id } }`,
      { input: { name: 'x', [SECRET_PHONE]: SECRET_ID } },
    ],
    ['an invalid date-time variable', () => `query ($f: TransactionFilter) { transactions(filter: $f) { totalCount } }`, { f: { occurredFrom: `x${SECRET_PHONE}` } }],
    ['an enum variable with a value instead', () => `query ($f: CustomerFilter) { customers(filter: $f) { totalCount } }`, { f: { tier: SECRET_PHONE } }],
    ['an Int variable given a phone number', () => `query ($n: Int) { customers(first: $n) { totalCount } }`, { n: SECRET_PHONE }],
  ])('%s', async (_label, query, variables) => {
    const { body } = await server.gql(query(), { variables: variables as Record<string, unknown> | undefined });
    expect(body.errors?.length).toBeGreaterThan(0);
    const text = JSON.stringify(body);
    expect(text).not.toContain(SECRET_PHONE);
    expect(text).not.toContain(SECRET_ID);
    expect(text).not.toContain('consulting');
  });

  it('still names the place of the bad value', async () => {
    const { body } = await server.gql(`query ($f: TransactionFilter) { transactions(filter: $f) { totalCount } }`, {
      variables: { f: { occurredFrom: 'not a date' } },
    });
    expect(body.errors![0]).toMatchObject({ message: expect.stringContaining('at "f.occurredFrom"'), extensions: { code: 'BAD_USER_INPUT', field: 'f.occurredFrom' } });
  });
});
