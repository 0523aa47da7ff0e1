// Lookups by a name that comes from a user (task names, node ids): a task may be named `constructor`, and
// `record[name]` would then answer with Object.prototype's function instead of "absent".
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
