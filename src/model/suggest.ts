// "Did you mean" help for misspelt names. Pure.

/** Levenshtein distance, small inputs only (names, not documents). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Longer names are not typos of a name; comparing them would cost their length squared. */
const MAX_NAME = 256;

/** The candidate closest to `name`, if it is close enough to be a plausible typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > MAX_NAME) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  // A length difference is a lower bound of the distance: most candidates need no comparison.
  const list = [...candidates].filter((c) => Math.abs(c.length - name.length) <= limit || c.toLowerCase().startsWith(lower));
  // A prefix (int → integer) is a likelier intent than a short edit distance (int → list).
  const prefixed = list.filter((c) => lower.length >= 3 && c.toLowerCase().startsWith(lower));
  if (prefixed.length === 1) return prefixed[0];
  for (const c of list) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** A fix text: "did you mean X?" when one is close, else the list of known names. */
export function suggestFix(name: string, candidates: string[], what: string): string {
  const near = closest(name, candidates);
  if (near) return `did you mean '${near}'?`;
  if (candidates.length === 0) return `there are no ${what}s here; declare one or remove the reference`;
  const shown = candidates.slice(0, 8).join(', ') + (candidates.length > 8 ? ', …' : '');
  return `use one of the known ${what}s: ${shown}`;
}
