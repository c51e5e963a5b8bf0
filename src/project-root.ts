/** The checkout's root (the folder with package.json), from source under ts-node/jest or from dist/. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}
