/**
 * Runs chains of work side by side in `lanes` lanes: each chain's items in order, in one lane; chains dealt to
 * lanes longest first. Returns each item's outcome promise at once (keyed by item), so tests can report in their
 * own order while the work goes on. A failed item rejects its own promise only: its lane goes on.
 */
export function runInLanes<T, R>(chains: T[][], lanes: number, run: (item: T, lane: number) => Promise<R>): Map<T, Promise<R>> {
  const outcome = new Map<T, Promise<R>>();
  const tails: Promise<unknown>[] = Array.from({ length: lanes }, () => Promise.resolve());
  [...chains].sort((a, b) => b.length - a.length).forEach((chain, i) => {
    const lane = i % lanes;
    for (const item of chain) {
      const result = tails[lane]!.then(() => run(item, lane));
      result.catch(() => undefined); // the item's own test reports it
      outcome.set(item, result);
      tails[lane] = result.catch(() => undefined);
    }
  });
  return outcome;
}

/** Items grouped into chains by a key (e.g. a case and the cases that rerun it), in their original order. */
export function chainsBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const chains = new Map<string, T[]>();
  for (const item of items) chains.set(key(item), [...(chains.get(key(item)) ?? []), item]);
  return [...chains.values()];
}
