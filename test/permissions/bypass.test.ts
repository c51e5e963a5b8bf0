import { startTestServer, type TestServer } from '../harness/server';

describe('explore', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(); });
  afterAll(() => server.stop());
  it('x', async () => {
    const q = async (s: string, v: unknown[] = []) => (await server.pool.query(s, v)).rows;
    const log = (x: unknown) => console.log(JSON.stringify(x));
    log(await q(`SELECT complaint_id, count(*) n FROM complaint_events GROUP BY 1 ORDER BY 2 DESC LIMIT 3`));
    log(await q(`SELECT relationship_manager_id, count(*) n FROM customers GROUP BY 1 ORDER BY 2 DESC LIMIT 3`));
    log(await q(`SELECT count(*) FROM customers WHERE phone IS NULL`));
    log(await q(`SELECT phone, count(*) FROM customers GROUP BY 1 HAVING count(*) > 1 LIMIT 3`));
    const rep = (await q(`SELECT relationship_manager_id AS id FROM customers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`))[0].id;
    const aliases = Array.from({ length: 21 }, (_, i) => `p${i}: phone`).join(' ');
    log(await server.execute(`{ customers(first: 100) { edges { node { ${aliases} } } } }`, { role: 'sales', sub: rep }));
    const r = await server.gql(`{ customers(first: 2) { pageInfo { startCursor endCursor } edges { cursor node { id } } } }`, { role: 'sales', sub: rep });
    log(r);
    log(await server.gql(`{ __typename customers(first: 2) { edges { node { __typename t: __typename idNumber } } } }`, { role: 'sales', sub: rep }));
    log(await server.gql(`{ customers(first: 1) { edges { node { __typename: idNumber } } } }`, { role: 'sales', sub: rep }));
    log(await server.gql(`{ complaints(first: 100) { edges { node { timeline { note } } } } }`, { role: 'auditor' }));
  });
});
