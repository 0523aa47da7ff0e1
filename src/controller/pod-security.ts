// The API server's Pod Security refusal of a task pod, as a task message that fits the status (300 characters)
// and leads with the fix. Pure.

const VIOLATES = /violates PodSecurity "([^"]+)": (.*)$/s;

/** The task's error message for a pod the API server refused (422/403/400) with `apiMessage`. */
export function rejectedPodMessage(apiMessage: string): string {
  const m = VIOLATES.exec(apiMessage);
  if (!m) return `the API server rejected the task's pod: ${apiMessage}`;
  // "reason (what to set), reason (what to set), ...": the parts in parentheses say what to set.
  const details = [...m[2]!.matchAll(/\(([^()]*)\)/g)].map((d) => d[1]!.trim());
  const order = (d: string): number => (d.includes('runAsNonRoot') ? 0 : d.includes('runAsUser') ? 1 : 2);
  details.sort((a, b) => order(a) - order(b));
  // Our helpers and pod defaults pass `restricted`: what is left is the user's container (or pod defaults).
  const fix = details.some((d) => d.includes('"main"'))
    ? 'set a non-root user on the component (kfp-kubernetes set_security_context(task, run_as_user=1000))'
    : 'the pod defaults must meet the namespace\'s policy';
  return `Pod Security "${m[1]}" refused the task's pod: ${fix}; ${details.length ? details.join('; ') : m[2]}`;
}
