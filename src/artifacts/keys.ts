// The artifact key layout, shared by the local runner and the cluster:
//   <pipelineRoot>/<namespace>/<run>/<node path>/<output>
// Node ids use `loop[i]`; in keys an iteration becomes its own path segment `loop/iter-i`.
import type { RunContext } from '../engine/state.js';

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Throws when a key segment could escape its prefix (path traversal) or is not portable. */
export function checkSegment(segment: string, what: string): string {
  if (!SAFE_SEGMENT.test(segment) || segment === '.' || segment === '..') {
    throw new Error(`${what} "${segment}" is not a safe artifact key segment (use letters, digits, '.', '_' and '-')`);
  }
  return segment;
}

/** Rejects keys with empty, `.` or `..` segments, backslashes or NUL: a key must stay under its prefix. */
export function checkKey(key: string): string {
  if (key.includes('\\') || key.includes('\0')) throw new Error(`artifact key "${key}" contains a forbidden character`);
  for (const seg of key.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw new Error(`artifact key "${key}" escapes its prefix`);
  }
  return key;
}

export function nodeKeyPath(nodeId: string): string {
  return nodeId
    .split('/')
    .map((part) => {
      const m = /^(.+)\[(\d+)\]$/.exec(part);
      return m ? `${checkSegment(m[1]!, 'task')}/iter-${m[2]}` : checkSegment(part, 'task');
    })
    .join('/');
}

function trimSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

/** Directory (URI) under which one node's outputs live. */
export function taskRootUri(run: RunContext, nodeId: string): string {
  return [trimSlash(run.pipelineRoot), checkSegment(run.namespace, 'namespace'), checkSegment(run.name, 'run name'), nodeKeyPath(nodeId)].join('/');
}

export function outputArtifactUri(run: RunContext, nodeId: string, output: string): string {
  return `${taskRootUri(run, nodeId)}/${checkSegment(output, 'output name')}`;
}
