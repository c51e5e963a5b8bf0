import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { buildAppSchema } from '../../schema';
import { renderSchema, SCHEMA_FILE } from '../../src/cli/emit-schema';
import { exampleOperations } from '../harness/examples';

describe('The emitted schema', () => {
  it('is current: schema/schema.graphql matches the type-graphql classes (npm run schema:emit)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await renderSchema());
  });

  it('keeps sensitive fields and nested lists nullable so a removed or failed value never nulls its parent', async () => {
    const schema = await buildAppSchema();
    const sensitive: Record<string, string[]> = {
      Customer: ['contacts', 'transactions', 'complaints', 'relationshipManager', 'name', 'idNumber', 'birthDate', 'phone', 'email', 'address', 'annualIncome', 'totalAssets', 'bankCardNumber', 'creditCode', 'creditRating'],
      Transaction: ['customer', 'amount', 'accountNumber', 'counterpartyName', 'counterpartyAccount'],
      Contact: ['name', 'phone', 'email'],
      Complaint: ['customer', 'assignee', 'description'],
    };
    for (const [typeName, fields] of Object.entries(sensitive)) {
      const type = schema.getType(typeName) as import('graphql').GraphQLObjectType;
      for (const field of fields) {
        expect(`${typeName}.${field}: ${String(type.getFields()[field].type)}`).not.toMatch(/!$/);
      }
    }
  });
});

describe('schema/examples.graphql', () => {
  it('holds only operations that validate against the schema', async () => {
    const schema = await buildAppSchema();
    const operations = exampleOperations();
    expect(operations.size).toBeGreaterThanOrEqual(10);
    for (const [name, text] of operations) {
      expect({ name, errors: validate(schema, parse(text)).map((e) => e.message) }).toEqual({ name, errors: [] });
    }
  });
});
