// Facts about artifact types that several places act on, defined once.

/** Artifact types whose content is their metadata (KFP writes no file for them): a missing object is not an error. */
export const METADATA_ONLY_TYPES: ReadonlySet<string> = new Set(['system.Metrics', 'system.ClassificationMetrics', 'system.SlicedClassificationMetrics']);

export function isMetadataOnly(schemaTitle: string): boolean {
  return METADATA_ONLY_TYPES.has(schemaTitle);
}
