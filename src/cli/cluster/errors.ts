// Errors of the cluster commands, worded so a person can act on them. Pure.
import { editDistance } from '../../model/suggest.js';

/** Exit codes of the cluster commands (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The run failed or errored (watch, submit --watch), or the command failed. */
  failed: 1,
  /** Bad input: a pipeline, argument or option problem. */
  badInput: 2,
  /** The run was cancelled. */
  cancelled: 3,
  /** The object named does not exist. */
  notFound: 4,
  /** The cluster refused: RBAC denied the call, or the credentials were rejected. */
  denied: 5,
  /** The cluster could not be reached. */
  unreachable: 6,
} as const;

/** An error the CLI prints as one message (no stack) and exits with its code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/**
 * Names that a mistyped or half-remembered `name` may mean: those it is a prefix or part of (generated names carry
 * a suffix), then those a few edits away; closest first.
 */
export function similarNames(name: string, candidates: readonly string[], max = 5): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored: { c: string; score: number }[] = [];
  for (const c of new Set(candidates)) {
    const lc = c.toLowerCase();
    if (lc === lower) continue;
    if (lower.length >= 2 && (lc.startsWith(lower) || lc.includes(lower) || lower.startsWith(lc))) {
      scored.push({ c, score: Math.abs(lc.length - lower.length) / 100 });
      continue;
    }
    if (Math.abs(lc.length - lower.length) > limit) continue;
    const d = editDistance(lower, lc);
    if (d <= limit) scored.push({ c, score: d });
  }
  return scored.sort((a, b) => a.score - b.score || a.c.localeCompare(b.c)).slice(0, max).map((s) => s.c);
}

export function notFoundMessage(kind: string, name: string, namespace: string, similar: readonly string[], listCommand: string): string {
  const where = `${kind} "${name}" not found in namespace "${namespace}"`;
  if (similar.length > 0) return `${where}; did you mean: ${similar.join(', ')}?`;
  return `${where} (see: ${listCommand}; another namespace: -n NAMESPACE, or -A to list all)`;
}

export interface Denied {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  subresource?: string;
}

/** RBAC said no: which verb on which resource, and the Role rule that would allow it. */
export function forbiddenMessage(d: Denied, serverMessage: string, user?: string): string {
  const res = `${d.resource}${d.subresource ? `/${d.subresource}` : ''}`;
  const full = d.group ? `${res}.${d.group}` : res;
  const scope = d.namespace ? `in namespace "${d.namespace}"` : 'cluster-wide';
  const who = user ? `user "${user}"` : 'your credentials';
  const rule = `{apiGroups: ["${d.group ?? ''}"], resources: ["${res}"], verbs: ["${d.verb}"]}`;
  return `forbidden: ${who} may not ${d.verb} ${full} ${scope}. Ask for a Role with the rule ${rule}` +
    `${d.namespace ? ` bound in "${d.namespace}"` : ' in a ClusterRole'} (the server said: ${serverMessage})`;
}

/** The user named in an API server's Forbidden message, e.g. `User "alice" cannot list ...`. */
export function userOf(serverMessage: string): string | undefined {
  return /User "([^"]+)" cannot/.exec(serverMessage)?.[1];
}
