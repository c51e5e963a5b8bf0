/**
 * `node -r ts-node/register/transpile-only bench/profile-summary.ts FILE.cpuprofile [N]` — the
 * top N frames of a V8 CPU profile (from `npm run bench -- --profile DIR`) by self time and by
 * total time, with the share of all samples: which frames block a target.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const frameName = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules\/)?/, '$1')}:${n.callFrame.lineNumber + 1}`;

function main(): void {
  const [file, count = '25'] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + 1);
    // Each frame on the stack once, however often it recurses.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!);
      if (!seen.has(name)) total.set(name, (total.get(name) ?? 0) + 1), seen.add(name);
    }
  }
  const samples = profile.samples.length;
  const top = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(count)).map(([name, n]) => `${((100 * n) / samples).toFixed(1).padStart(5)}%  ${name}`).join('\n');
  console.log(`${samples} samples\n\nby self time\n${top(self)}\n\nby total time\n${top(total)}`);
}

main();
