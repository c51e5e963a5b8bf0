/**
 * Layers import downwards only (CONVENTIONS 15): policy data ← core (src/) ← policy engine ←
 * schema (features) ← app (src/server, src/cli). Checked on the import statements themselves, so
 * a new file that reaches upwards fails here rather than in a review.
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
  return found;
}

describe('Layers import downwards only', () => {
  it('the policy data (permissions/, outside its engine and the package index) imports nothing from src/, schema/ or the engine', () => {
    const policyData = filesUnder(path.join(ROOT, 'permissions')).filter(
      (f) => !f.includes(`${path.sep}engine${path.sep}`) && f !== path.join(ROOT, 'permissions', 'index.ts'),
    );
    expect(policyData.length).toBeGreaterThan(10);
    const upward = policyData.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('src/') || target.startsWith('schema/') || target.startsWith('permissions/engine/'))
        .map((target) => `${path.relative(ROOT, file)} → ${target}`),
    );
    expect(upward).toEqual([]);
  });
});
