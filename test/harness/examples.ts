/** The named operations of schema/examples.graphql, one by one. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';

const FILE = path.join(__dirname, '..', '..', 'schema', 'examples.graphql');

export function exampleOperations(): Map<string, string> {
  const document = parse(readFileSync(FILE, 'utf8'));
  const operations = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) {
      operations.set(definition.name.value, print(definition as OperationDefinitionNode));
    }
  }
  return operations;
}

export function example(name: string): string {
  const operation = exampleOperations().get(name);
  if (!operation) throw new Error(`schema/examples.graphql has no operation ${name}`);
  return operation;
}
