// What a process loads before it does anything: every task pod runs `pipewright pod inputs|outputs` twice per
// attempt and every CLI command starts `pipewright`, so neither may pull in the Kubernetes client (719 model
// modules) or the S3 client statically: together 1.3 s of CPU per start. Walks the static (non-type) imports
// of the sources; dynamic import() is how commands load what they need.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');
const HEAVY = ['@kubernetes/client-node', 'minio'];

/** Static value imports of a source file: `import x from`, `import {..} from`, `export {..} from` (not `import type`). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)([^;]*?)\s+from\s+'([^']+)';/gms)) {
    const what = m[1]!;
    // `import { type A, type B } from` and `export { type X } from` load nothing at run time.
    const names = /^\{([^}]*)\}$/.exec(what.trim());
    if (names && names[1]!.split(',').every((n) => n.trim() === '' || /^type\s/.test(n.trim()))) continue;
    out.push(m[2]!);
  }
  for (const m of text.matchAll(/^import\s+'([^']+)';/gm)) out.push(m[1]!);
  return out;
}

/** The chain from `entry` to the first heavy package it loads statically, or undefined. */
function heavyChain(entry: string): string[] | undefined {
  const parent = new Map<string, string | undefined>([[entry, undefined]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const spec of staticImports(file)) {
      if (!spec.startsWith('.')) {
        if (HEAVY.some((h) => spec === h || spec.startsWith(`${h}/`))) {
          const chain = [spec];
          for (let f: string | undefined = file; f; f = parent.get(f)) chain.push(path.relative(repo, f));
          return chain.reverse();
        }
        continue;
      }
      const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
      if (parent.has(target)) continue;
      parent.set(target, file);
      queue.push(target);
    }
  }
  return undefined;
}

describe('start-up imports', () => {
  it.each([
    ['the CLI (pipewright …)', 'src/cli/main.ts'],
    ['the task pod step (pipewright pod inputs|outputs)', 'src/cli/commands/pod.ts'],
    ['the pure status builders', 'src/controller/status.ts'],
  ])('%s loads neither the Kubernetes nor the S3 client', (_what, entry) => {
    expect(heavyChain(path.join(repo, entry))).toBeUndefined();
  });

  it('finds a chain where there is one (the controller loads both)', () => {
    expect(heavyChain(path.join(repo, 'src/controller/main.ts'))?.at(-1)).toMatch(/client-node|minio/);
  });
});
