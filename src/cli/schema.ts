/**
 * `npm run schema -- --scopes customers:read,transactions:read` prints the SDL a partner token
 * with these scopes sees (its introspection), for onboarding documents. Unknown scopes are refused.
 */
import { printSchema } from 'graphql';
import { parseArgs } from 'node:util';
import { schemaForScopes } from '../../permissions/engine/scoped-schema';
import { SCOPE_NAMES, unknownScopes } from '../../permissions/scopes';
import { buildDeclaredSchema } from '../../schema';
import { runCli } from './run-cli';

runCli(async () => {
  const { values } = parseArgs({ options: { scopes: { type: 'string' } } });
  if (!values.scopes) throw new Error(`--scopes is required: a comma-separated list of ${SCOPE_NAMES.join(', ')}`);
  const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = unknownScopes(scopes);
  if (unknown.length) throw new Error(`unknown scopes: ${unknown.join(', ')}; known: ${SCOPE_NAMES.join(', ')}`);
  process.stdout.write(`# The schema a partner token with scopes ${scopes.join(', ')} sees.\n${printSchema(schemaForScopes(await buildDeclaredSchema(), scopes))}\n`);
});
