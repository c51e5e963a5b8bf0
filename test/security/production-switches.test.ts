/** GRAPHIQL=false and INTROSPECTION=false, as production may set them. */
import { loadConfig } from '../../src/config';
import { startTestServer, type TestServer } from '../harness/server';

describe('Production switches: GraphiQL and introspection off', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ graphiql: false, introspection: false });
  });

  afterAll(() => server.stop());

  it('serves no GraphiQL page', async () => {
    expect((await fetch(`${server.url}/graphiql`)).status).toBe(404);
    expect((await fetch(`${server.url}/graphiql/assets/graphiql.css`)).status).toBe(404);
  });

  it('refuses introspection even with a valid token, and still answers queries', async () => {
    const introspection = await server.gql<any>('{ __schema { types { name } } }', { role: 'manager' });
    expect(introspection.body.data ?? null).toBeNull();
    expect(introspection.body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typeQuery = await server.gql<any>('{ __type(name: "Customer") { fields { name } } }', { role: 'manager' });
    expect(typeQuery.body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const query = await server.gql<any>('{ me { role } }', { role: 'manager' });
    expect(query.body).toEqual({ data: { me: { role: 'MANAGER' } } });
  });

  it('reads GRAPHIQL and INTROSPECTION from the environment, on by default, and refuses other values', () => {
    expect(loadConfig({})).toMatchObject({ graphiql: true, introspection: true });
    expect(loadConfig({ GRAPHIQL: 'false', INTROSPECTION: '0' })).toMatchObject({ graphiql: false, introspection: false });
    expect(() => loadConfig({ INTROSPECTION: 'off' })).toThrow(/INTROSPECTION must be true or false/);
  });
});
