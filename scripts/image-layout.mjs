#!/usr/bin/env node
// Builds the image's file system the way `docker build` would, without Docker: replays the Dockerfile's FROM,
// WORKDIR, COPY (from the context or --from=<stage>), RUN, ENV, USER and ENTRYPOINT into a directory, one
// sub-directory per stage (base images are not fetched: the running node and the npm on PATH stand in for them;
// run it with the Dockerfile's Node, scripts/node.sh, which the test suite does).
//
//   node scripts/image-layout.mjs [OUT]
//
// OUT defaults to $PIPEWRIGHT_CACHE/image/<hash of the Dockerfile and the files it copies>; a finished layout is
// reused. Prints OUT. OUT/root is the final stage's file system (OUT/root/app is the image's /app), OUT/image.json
// its config: { env, user, entrypoint, workdir, from, node } (node: the version that built it and stands in). The test cluster's node agent runs `pipewright*` images
// from it (test/cluster/agent/image-map.ts).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const repo = resolve(dirname(here), '..');

/** Dockerfile instructions (no line continuations: the project's Dockerfile keeps one per line). */
export function parseDockerfile(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const m = /^(\w+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`Dockerfile: cannot read "${l}"`);
    return { op: m[1].toUpperCase(), rest: m[2] };
  });
}

function ignoredNames() {
  const f = join(repo, '.dockerignore');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : [];
}

/** .dockerignore as the project uses it: plain names (any depth with **\/) and *.ext patterns. */
function isIgnored(rel, patterns) {
  const parts = rel.split('/');
  return patterns.some((p) => {
    const name = p.replace(/^\*\*\//, '');
    const re = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return p.startsWith('**/') || p.startsWith('*') ? parts.some((x) => re.test(x)) : re.test(parts[0]);
  });
}

function contextFiles(src, patterns) {
  const abs = join(repo, src);
  if (!statSync(abs).isDirectory()) return [src];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(repo, join(e.parentPath, e.name)))
    .filter((r) => !isIgnored(r, patterns))
    .sort();
}

const copyArgs = (rest) => {
  const from = /^--from=(\S+)\s+/.exec(rest);
  const words = (from ? rest.slice(from[0].length) : rest).split(/\s+/);
  return { from: from?.[1], srcs: words.slice(0, -1), dest: words.at(-1) };
};

/** The cache key: the Node version, the Dockerfile and every context file a COPY names. */
function layoutHash(steps, patterns) {
  const h = createHash('sha256').update(process.version).update('\0').update(readFileSync(join(repo, 'Dockerfile')));
  for (const s of steps.filter((x) => x.op === 'COPY' && !copyArgs(x.rest).from)) {
    for (const src of copyArgs(s.rest).srcs) {
      for (const f of contextFiles(src, patterns)) h.update(f).update('\0').update(readFileSync(join(repo, f)));
    }
  }
  return h.digest('hex').slice(0, 16);
}

export function buildLayout(out) {
  const steps = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
  const patterns = ignoredNames();
  out ??= join(process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache', 'pipewright'), 'image', layoutHash(steps, patterns));
  if (existsSync(join(out, 'image.json'))) return out;
  const work = `${out}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const stages = new Map();
  let stage;
  for (const { op, rest } of steps) {
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      stage = { name: m[2] ?? String(stages.size), from: m[1], root: join(work, 'stages', m[2] ?? String(stages.size)), workdir: '/', env: {}, user: undefined, entrypoint: undefined };
      mkdirSync(stage.root, { recursive: true });
      stages.set(stage.name, stage);
      continue;
    }
    const cwd = join(stage.root, stage.workdir);
    if (op === 'WORKDIR') { stage.workdir = resolve(stage.workdir, rest); mkdirSync(join(stage.root, stage.workdir), { recursive: true }); }
    else if (op === 'ENV') { const m = /^([A-Za-z_][A-Za-z0-9_]*)[= ](.*)$/.exec(rest); stage.env[m[1]] = m[2]; }
    else if (op === 'USER') stage.user = rest;
    else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(rest);
    else if (op === 'COPY') {
      const { from, srcs, dest } = copyArgs(rest);
      const target = dest.startsWith('/') ? join(stage.root, dest) : join(cwd, dest);
      for (const src of srcs) {
        const base = from ? stages.get(from).root : repo;
        if (from && !stages.has(from)) throw new Error(`COPY --from=${from}: no such stage`);
        const into = dest.endsWith('/') ? join(target, src.split('/').at(-1)) : target;
        if (from) cpSync(join(base, src), into, { recursive: true, verbatimSymlinks: true });
        else for (const f of contextFiles(src, patterns)) {
          const rel = statSync(join(repo, src)).isDirectory() ? relative(src, f) : '';
          mkdirSync(dirname(join(into, rel)), { recursive: true });
          cpSync(join(repo, f), join(into, rel));
        }
      }
    } else if (op === 'RUN') {
      process.stderr.write(`[image-layout] ${stage.name}: RUN ${rest}\n`);
      execFileSync('sh', ['-c', rest], { cwd, stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, ...stage.env } });
    } else throw new Error(`Dockerfile: ${op} is not replayed by scripts/image-layout.mjs`);
  }
  renameSync(stage.root, join(work, 'root'));
  rmSync(join(work, 'stages'), { recursive: true, force: true });
  writeFileSync(join(work, 'image.json'), `${JSON.stringify({ from: stage.from, env: stage.env, user: stage.user, entrypoint: stage.entrypoint, workdir: stage.workdir, node: process.version }, null, 2)}\n`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  renameSync(work, out);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === here) {
  const t0 = Date.now();
  const out = buildLayout(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stderr.write(`[image-layout] ${out} ready in ${Math.round((Date.now() - t0) / 1000)}s\n`);
  process.stdout.write(`${out}\n`);
}
