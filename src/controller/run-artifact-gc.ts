// Deleting a run's artifacts with the run (opt-in: spec.ttlStrategy.deleteArtifacts, or the controller's
// PIPEWRIGHT_DELETE_ARTIFACTS_WITH_RUN). A finalizer holds the deleted run until its artifact prefix is emptied, but
// never for ever: past the timeout, or with the force annotation, the finalizer goes and the artifacts stay (a
// Warning event says where). Pure: the I/O is run-gc-reconciler.ts.
import type { PipelineRunObject } from './types.js';

export const FINALIZER_ARTIFACTS = 'pipewright.dev/artifacts';
/** "true": remove the finalizer now, leaving the artifacts (the way out when S3 is gone for good). */
export const ANNOTATION_SKIP_ARTIFACT_DELETION = 'pipewright.dev/skip-artifact-deletion';
export const DEFAULT_ARTIFACT_DELETE_TIMEOUT_SECONDS = 300;

export interface ArtifactGcDefaults {
  /** Delete the artifacts of runs that do not say (spec.ttlStrategy.deleteArtifacts). */
  deleteArtifacts?: boolean;
  /** Longest a deleted run waits for its artifacts to go. */
  artifactDeleteTimeoutSeconds?: number;
}

export type ArtifactGcStep =
  | { kind: 'none' }
  | { kind: 'addFinalizer' }
  | { kind: 'removeFinalizer'; why: 'optedOut' | 'forced' | 'timedOut' | 'deleted' }
  /** Delete everything under these prefixes (URIs, no trailing slash); give up at `deadline` (ms). */
  | { kind: 'delete'; prefixes: string[]; deadline: number };

export const hasArtifactFinalizer = (run: PipelineRunObject): boolean => (run.metadata?.finalizers ?? []).includes(FINALIZER_ARTIFACTS);

/**
 * The run's own artifacts: its folder under the controller's root, and the folders of the outputs its tasks made
 * (a pipeline may name its own root), when `own` (the namespace's tenancy) says they are the namespace's. Outputs of
 * cached tasks belong to the run that made them and are left alone.
 */
export function artifactPrefixes(run: PipelineRunObject, pipelineRoot: string, own: (uri: string) => boolean): string[] {
  const folder = `/${run.metadata!.namespace!}/${run.metadata!.name!}`;
  const out = new Set<string>([`${pipelineRoot.replace(/\/+$/, '')}${folder}`]);
  for (const node of Object.values(run.status?.nodes ?? {})) {
    if (node.phase === 'Cached') continue;
    for (const a of Object.values(node.outputs?.artifacts ?? {}).flat()) {
      const at = a.uri.indexOf(`${folder}/`);
      if (at > 0 && own(a.uri)) out.add(a.uri.slice(0, at + folder.length));
    }
  }
  return [...out].sort();
}

export function planArtifactGc(run: PipelineRunObject, now: number, defaults: ArtifactGcDefaults, prefixes: () => string[]): ArtifactGcStep {
  const has = hasArtifactFinalizer(run);
  const deleting = run.metadata?.deletionTimestamp;
  if (!deleting) {
    const wants = run.spec?.ttlStrategy?.deleteArtifacts ?? defaults.deleteArtifacts ?? false;
    if (wants && !has) return { kind: 'addFinalizer' };
    if (!wants && has) return { kind: 'removeFinalizer', why: 'optedOut' };
    return { kind: 'none' };
  }
  if (!has) return { kind: 'none' };
  if (run.metadata?.annotations?.[ANNOTATION_SKIP_ARTIFACT_DELETION] === 'true') return { kind: 'removeFinalizer', why: 'forced' };
  const timeout = defaults.artifactDeleteTimeoutSeconds ?? DEFAULT_ARTIFACT_DELETE_TIMEOUT_SECONDS;
  const deadline = new Date(deleting).getTime() + timeout * 1000;
  if (now >= deadline) return { kind: 'removeFinalizer', why: 'timedOut' };
  return { kind: 'delete', prefixes: prefixes(), deadline };
}
