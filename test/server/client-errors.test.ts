/**
 * Client mistakes answered as client errors, never INTERNAL_SERVER_ERROR: a variable default
 * inside @include/@skip (served, the default applied), an Automatic Persisted Query whose hash
 * does not match its text (400 with Apollo's code).
 */
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../harness/server';

describe('Client errors are client errors', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.token({ role: 'manager' });
  });

  afterAll(() => server.stop());

  const post = async (body: object) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'supervision' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  };

  describe('a variable with a default value inside @include/@skip', () => {
    it.each([
      ['the default applies when the variable is not sent', 'query ($v: Boolean = true) { me { sub @include(if: $v) role } }', undefined, true],
      ['a default of false leaves the field out', 'query ($v: Boolean = false) { me { sub @include(if: $v) role } }', undefined, false],
      ['a sent value overrides the default', 'query ($v: Boolean = true) { me { sub @include(if: $v) role } }', { v: false }, false],
      ['@skip with a default', 'query ($v: Boolean = true) { me { sub @skip(if: $v) role } }', undefined, false],
      ['on an inline fragment', 'query ($v: Boolean = true) { me { ... @include(if: $v) { sub } role } }', undefined, true],
      ['a non-null variable with a default', 'query ($v: Boolean! = true) { me { sub @include(if: $v) role } }', undefined, true],
    ])('%s', async (_name, query, variables, included) => {
      const { status, body } = await server.gql<any>(query, { role: 'manager', variables });
      expect(body.errors).toBeUndefined();
      expect(status).toBe(200);
      expect(body.data.me.role).toBeDefined();
      expect('sub' in body.data.me).toBe(included);
    });
    it('refuses such a variable sent as null with 400 BAD_USER_INPUT (`if` may not be null), no data', async () => {
      const { status, body } = await server.gql<any>('query ($v: Boolean = true) { me { sub @include(if: $v) role } }', { role: 'manager', variables: { v: null } });
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ message: 'Argument "if" of non-null type "Boolean!" must not be null.', extensions: { code: 'BAD_USER_INPUT', field: 'if' } })]);
    });
  });

  describe('Automatic Persisted Queries', () => {
    const query = '{ me { role } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');

    it('answers a hash that does not match the query with 400 PERSISTED_QUERY_HASH_MISMATCH, no data', async () => {
      const { status, body } = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions!.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
      expect(body.errors![0].message).toBe('provided sha does not match query');
      // Not a hash at all: the same.
      const junk = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'not-a-hash' } } });
      expect(junk.status).toBe(400);
      expect(junk.body.errors![0].extensions!.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    });

    it('answers an unsupported persisted query version with 400 BAD_REQUEST', async () => {
      const { status, body } = await post({ query, extensions: { persistedQuery: { version: 2, sha256Hash } } });
      expect(status).toBe(400);
      expect(body.errors).toEqual([{ message: 'Unsupported persisted query version', extensions: { code: 'BAD_REQUEST' } }]);
    });

    it('answers an unknown hash alone with PERSISTED_QUERY_NOT_FOUND (the client then sends the text)', async () => {
      const { body } = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'e'.repeat(64) } } });
      expect(body.errors![0].extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    });

    it('serves a query with its right hash, then by the hash alone', async () => {
      const registered = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
      expect(registered.status).toBe(200);
      expect(registered.body.errors).toBeUndefined();
      expect(registered.body.data.me.role).toBe('MANAGER');
      const byHash = await post({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
      expect(byHash.status).toBe(200);
      expect(byHash.body.data.me.role).toBe('MANAGER');
    });
  });
});
