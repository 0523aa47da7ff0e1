// The controller's run clean-up defaults from the environment (a run's spec.ttlStrategy / spec.podGC win).
import type { GcDefaults } from './run-gc.js';
import { POD_GC_STRATEGIES, type PodGCStrategy, type TtlStrategy } from './types.js';

const TTL_ENV = {
  secondsAfterCompletion: 'PIPEWRIGHT_TTL_SECONDS_AFTER_COMPLETION',
  secondsAfterSuccess: 'PIPEWRIGHT_TTL_SECONDS_AFTER_SUCCESS',
  secondsAfterFailure: 'PIPEWRIGHT_TTL_SECONDS_AFTER_FAILURE',
} as const;

export function lifecycleFromEnv(env: NodeJS.ProcessEnv): GcDefaults {
  const ttl: TtlStrategy = {};
  for (const [field, name] of Object.entries(TTL_ENV) as [keyof typeof TTL_ENV, string][]) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name}="${raw}" is not a whole number of seconds (0 or more; unset keeps finished runs)`);
    ttl[field] = n;
  }
  const raw = env.PIPEWRIGHT_POD_GC_STRATEGY?.trim() || 'Never';
  if (!(POD_GC_STRATEGIES as readonly string[]).includes(raw)) {
    throw new Error(`PIPEWRIGHT_POD_GC_STRATEGY="${raw}" is not one of ${POD_GC_STRATEGIES.join(', ')}`);
  }
  const out: GcDefaults = { ttl, podGC: raw as PodGCStrategy };
  const del = env.PIPEWRIGHT_DELETE_ARTIFACTS_WITH_RUN?.trim();
  if (del) {
    if (!/^(true|false)$/.test(del)) throw new Error(`PIPEWRIGHT_DELETE_ARTIFACTS_WITH_RUN="${del}" is not true or false`);
    out.deleteArtifacts = del === 'true';
  }
  const timeout = env.PIPEWRIGHT_ARTIFACT_DELETE_TIMEOUT_SECONDS?.trim();
  if (timeout) {
    const n = Number(timeout);
    if (!Number.isInteger(n) || n < 1) throw new Error(`PIPEWRIGHT_ARTIFACT_DELETE_TIMEOUT_SECONDS="${timeout}" is not a whole number of seconds (1 or more)`);
    out.artifactDeleteTimeoutSeconds = n;
  }
  return out;
}
