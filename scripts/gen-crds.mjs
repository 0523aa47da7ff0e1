#!/usr/bin/env node
/* global process, console */
// Writes crds/*.yaml and charts/pipewright/files/crds/*.yaml from src/crd (compiled to dist/ by `npm run build`).
// Usage: npm run gen:crds        (build + write)
//        node scripts/gen-crds.mjs --check   (exit 1 if a committed file differs)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderCrds, CRD_DIRS } = await import(join(root, 'dist/crd/crds.js'));
const check = process.argv.includes('--check');
let stale = 0;
for (const dir of CRD_DIRS) {
  mkdirSync(join(root, dir), { recursive: true });
  for (const [name, text] of Object.entries(renderCrds())) {
    const file = join(root, dir, name);
    let old = '';
    try { old = readFileSync(file, 'utf8'); } catch { /* new file */ }
    if (old === text) continue;
    if (check) { console.error(`stale: ${dir}/${name}`); stale++; continue; }
    writeFileSync(file, text);
    console.log(`wrote ${dir}/${name}`);
  }
}
process.exitCode = stale ? 1 : 0;
