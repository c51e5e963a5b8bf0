/**
 * Layers import downwards only (CONVENTIONS 15): policy data ← core (src/) ← policy engine ←
 * schema (features) ← app (src/server, src/cli and the wiring in APP). Checked on the import
 * statements themselves, so a new file that reaches upwards fails here rather than in a review;
 * each layer's direct imports staying below it makes its transitive ones stay below too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** Project-relative paths of the project modules a file imports (values and types alike). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
    found.push(path.relative(ROOT, path.resolve(path.dirname(file), match[1])));
  }
  // `import './x'` (side effects) and `import('./x')` (lazy loads, inline types) reach upwards just the same.
  for (const match of text.matchAll(/(?:^|\n)\s*import\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) {
    found.push(path.relative(ROOT, path.resolve(path.dirname(file), match[1] ?? match[2])));
  }
  return found;
}

const rel = (file: string) => path.relative(ROOT, file);

/** Whether an import target is the folder `dir` (its index) or inside it. */
const under = (target: string, dir: string) => target === dir || target.startsWith(`${dir}/`);

/**
 * The app: the server and the CLI, and the wiring that joins the features to them. Each entry
 * says why it is not core; every other module under src/ is core.
 */
const APP = [
  'src/server/',
  'src/cli/',
  'src/main.ts', // the process entry: builds the schema from the features and starts the server
  'src/context.ts', // builds the per-request loaders (src/loaders) over the features' services
  'src/loaders/', // the per-request loaders are the features' list queries (schema/*/…service.ts)
  'src/budget/budget-plugin.ts', // a pipeline stage above the engine: charges what the engine's plan can show clear
  'src/audit/access-plugin.ts', // a pipeline stage above the engine: registers the access the engine's plan decided
];
/** Whether an import target or a file (project-relative, with or without `.ts`) belongs to the app. */
const isApp = (target: string) => {
  const module = target.replace(/\.ts$/, '');
  return APP.some((entry) => (entry.endsWith('/') ? under(module, entry.slice(0, -1)) : module === entry.replace(/\.ts$/, '')));
};

describe('Layers import downwards only', () => {
  it('the policy data (permissions/, outside its engine and the package index) imports nothing from src/, schema/ or the engine', () => {
    const policyData = filesUnder(path.join(ROOT, 'permissions')).filter(
      (f) => !f.includes(`${path.sep}engine${path.sep}`) && f !== path.join(ROOT, 'permissions', 'index.ts'),
    );
    expect(policyData.length).toBeGreaterThan(10);
    const upward = policyData.flatMap((file) =>
      importsOf(file)
        .filter((target) => under(target, 'src') || under(target, 'schema') || under(target, 'permissions/engine'))
        .map((target) => `${path.relative(ROOT, file)} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('the policy engine (permissions/engine) imports nothing from the features (schema/) or the app (src/server, src/cli, src/context, src/loaders, the pipeline stages)', () => {
    const engine = filesUnder(path.join(ROOT, 'permissions', 'engine'));
    expect(engine.length).toBeGreaterThan(10);
    const upward = engine.flatMap((file) =>
      importsOf(file)
        .filter((target) => under(target, 'schema') || isApp(target))
        .map((target) => `${rel(file)} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('core (src/ outside the app) imports nothing from the features (schema/), the engine or the app', () => {
    const core = filesUnder(path.join(ROOT, 'src')).filter((f) => !isApp(rel(f)));
    expect(core.length).toBeGreaterThan(50);
    const upward = core.flatMap((file) =>
      importsOf(file)
        .filter((target) => under(target, 'schema') || under(target, 'permissions/engine') || isApp(target))
        .map((target) => `${rel(file)} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

});
