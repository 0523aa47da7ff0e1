// Durations as Go writes them (`1h30m`, `90s`, `1.5h`, `500ms`): the one parser for the native spec, a run's
// spec.timeout (controller) and the CRD's validation pattern. Negative durations are not accepted anywhere.

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** One or more `<number><unit>` terms; the same text the CRD's OpenAPI pattern accepts. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';
const WHOLE = new RegExp(DURATION_PATTERN);
const TERM = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g;

/** Seconds in a Go-style duration, or undefined when the text is not one (or is too long to be sensible). */
export function parseDurationSeconds(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s.length > 64 || !WHOLE.test(s)) return undefined;
  let sum = 0;
  for (const m of s.matchAll(TERM)) sum += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return Number.isFinite(sum) ? sum : undefined;
}

/** Milliseconds in a duration string; undefined when absent or not a duration. */
export function parseDuration(s: string | undefined): number | undefined {
  if (typeof s !== 'string') return undefined;
  const seconds = parseDurationSeconds(s);
  return seconds === undefined ? undefined : seconds * 1000;
}
