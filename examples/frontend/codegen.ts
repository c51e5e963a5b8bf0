/**
 * Types for the example, from schema/schema.graphql and src/*.graphql, with GraphQL Code Generator's
 * client preset. Offline by construction: the schema and documents are read from files here (the
 * CLI's loaders would pull in network fetchers and engine-restricted dependencies).
 * `npm run examples:codegen` writes src/gql/; with `--check` it writes nothing and fails if they are stale.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse } from 'graphql';
import { codegen } from '@graphql-codegen/core';
import * as clientPreset from '@graphql-codegen/client-preset';
import type { Types } from '@graphql-codegen/plugin-helpers';

const ROOT = path.resolve(__dirname, '../..');
const HERE = path.relative(ROOT, __dirname);
const OUT = `${HERE}/src/gql/`;

/** Every generated file (path relative to the repository → content), in a stable order. */
export async function generateExampleTypes(): Promise<Map<string, string>> {
  const sdl = readFileSync(path.join(ROOT, 'schema/schema.graphql'), 'utf8');
  const schemaAst = buildSchema(sdl);
  const documents: Types.DocumentFile[] = readdirSync(path.join(__dirname, 'src'))
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => {
      const rawSDL = readFileSync(path.join(__dirname, 'src', f), 'utf8');
      return { location: `${HERE}/src/${f}`, document: parse(rawSDL), rawSDL };
    });
  const config = {
    // The schema's custom scalars as the server serialises them: strings (Decimal, Date, DateTimeISO).
    scalars: { Decimal: 'string', Date: 'string', DateTimeISO: 'string' },
    strictScalars: true,
    useTypeImports: true,
    enumsAsTypes: true,
  };
  const sections = await clientPreset.preset.buildGeneratesSection({
    baseOutputDir: OUT,
    schema: parse(sdl),
    schemaAst,
    documents,
    config,
    presetConfig: { fragmentMasking: false },
    plugins: [],
    pluginMap: {},
  } as unknown as Types.PresetFnArgs<clientPreset.ClientPresetConfig>);
  const files = new Map<string, string>();
  for (const section of sections) files.set(section.filename, await codegen(section));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [file, content] of await generateExampleTypes()) {
    const target = path.join(ROOT, file);
    let current: string | null = null;
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      current = null;
    }
    if (current === content) continue;
    if (check) stale.push(file);
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
      console.log(`wrote ${file}`);
    }
  }
  if (stale.length) {
    console.error(`Stale generated types (schema or operations changed): ${stale.join(', ')}\nRun: npm run examples:codegen`);
    process.exit(1);
  }
}

if (require.main === module) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
