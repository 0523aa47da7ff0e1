// Lookups in records keyed by user-chosen names (tasks, components, parameters, arguments, node ids): a name such
// as `constructor` or `toString` must not find Object.prototype's member instead of "absent".

/** `record[key]` when `record` has it as its own property; undefined otherwise (also when there is no record). */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An empty record with no prototype: every key it answers for is one that was set. Not for objects compared
 * with isDeepStrictEqual against parsed JSON (the prototype differs). */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
