// Kubernetes resource quantities, parsed as apimachinery's resource.ParseQuantity does: a signed decimal number
// with an optional suffix, binary (Ki..Ei), decimal (n, u, m, k, M, G, T, P, E) or an exponent (e3, E-2).
// The one parser for validation (both front ends) and for the canonical form task pods receive.

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** The largest value Kubernetes keeps exactly (int64); larger ones cannot be a container's request or limit. */
export const MAX_QUANTITY = 2n ** 63n - 1n;

export interface Quantity {
  negative: boolean;
  /** |value| in milli-units, rounded up as Kubernetes rounds (so 1n CPU is 1m). */
  milli: bigint;
  /** Binary suffix (Ki..Ei): canonical form prefers binary. */
  binary: boolean;
  /** Written with an exponent (1e3). */
  exponent: boolean;
}

export function parseQuantity(text: string): Quantity | undefined {
  const s = text.trim();
  if (s.length > 100) return undefined;
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  const [, sign, num, suffix = ''] = m;
  const [int = '', frac = ''] = num!.split('.');
  const binary = BINARY[suffix];
  const exponent = /^[eE][+-]?\d+$/.test(suffix);
  const exp = exponent ? Number(suffix.slice(1)) : binary === undefined ? DECIMAL[suffix]! : 0;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) return undefined;
  const digits = BigInt(`${int}${frac}` || '0');
  const exp10 = exp - frac.length + 3; // to milli-units
  const scaled = digits * 1024n ** BigInt(binary ?? 0);
  const d = 10n ** BigInt(Math.max(0, -exp10));
  const milli = exp10 >= 0 ? scaled * 10n ** BigInt(exp10) : scaled / d + (scaled % d === 0n ? 0n : 1n);
  return { negative: sign === '-' && milli !== 0n, milli, binary: binary !== undefined, exponent };
}

/**
 * Why a container resource quantity is unusable, or undefined when it is fine. CPU is used in milli-units
 * (MilliValue) and memory in bytes (Value): each must fit an int64.
 */
export function quantityProblem(text: string, kind: 'cpu' | 'memory' = 'memory'): string | undefined {
  const q = parseQuantity(text);
  if (!q) return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a Kubernetes quantity`;
  if (q.negative) return `${text} is negative`;
  const used = kind === 'cpu' ? q.milli : (q.milli + 999n) / 1000n;
  if (used > MAX_QUANTITY) return `${text} is larger than Kubernetes can hold (${kind === 'cpu' ? 'about 9.2e15 CPUs' : 'about 8Ei'})`;
  return undefined;
}
