/**
 * `npm install` prints no unsupported-engine warning on the Node the README names (issue 19): every
 * package the lockfile installs accepts that version (and package.json's engines says the same).
 * The benchmark's PostGraphile peer, which needs Node 22, has a lockfile of its own in bench/peer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';

// semver: npm's own version ranges (installed with type-graphql, which depends on it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } | null };

const root = projectRoot();
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };

describe('the Node version the README names', () => {
  const named = /Node ≥ ?(\d+\.\d+)/.exec(readme)?.[1];

  it('is named in the README and is the minimum of package.json’s engines', () => {
    expect(named).toBeDefined();
    expect(semver.minVersion(manifest.engines.node)?.version).toBe(`${named}.0`);
  });

  it('is accepted by every package npm installs, so `npm install` prints no EBADENGINE warning', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([name]) => name !== '')
      .flatMap(([name, meta]) => {
        const range = meta.engines && !Array.isArray(meta.engines) ? meta.engines.node : undefined;
        return range && !semver.satisfies(`${named}.0`, range) ? [`${name.replace(/^.*node_modules\//, '')}@${meta.version} wants node ${range}`] : [];
      });
    expect(refusing).toEqual([]);
  });

  it('keeps PostGraphile (Node 22) out of the project’s own install: the bench installs it in bench/peer', () => {
    expect(manifest.devDependencies.postgraphile).toBeUndefined();
    expect(Object.keys(lock.packages).some((name) => name.endsWith('node_modules/postgraphile'))).toBe(false);
    const peer = JSON.parse(readFileSync(path.join(root, 'bench', 'peer', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(peer.dependencies.postgraphile).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
