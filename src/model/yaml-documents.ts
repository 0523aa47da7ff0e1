// Reading a YAML (or JSON) stream into documents within the limits (size, depth, aliases), with the first syntax
// error located by line and column. Shared by the KFP IR and native front ends.
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { PipelineError, diagnostic } from './diagnostics.js';
import { overLimit, limits, type Limits } from './limits.js';

type Fail = (code: string, path: string | undefined, message: string, fix: string) => never;

/**
 * Splits a YAML stream into documents within the limits (size, depth, aliases), reporting the first syntax error
 * with line and column. JSON text goes to JSON.parse; YAML first to js-yaml, which is fast and as forgiving as the
 * loaders KFP's tools use (PyYAML, Go's yaml: e.g. a quoted string continued in the column of its list dash in a
 * hand-indented file, which YAML 1.2 refuses). js-yaml has no alias limit, so a document with aliases, or one it
 * cannot read, goes to the `yaml` parser, which bounds alias expansion and locates errors.
 */
export function parseYamlDocuments(text: string, file?: string, lim: Readonly<Limits> = limits()): unknown[] {
  const fail: Fail = (code, path, message, fix) => {
    throw new PipelineError([diagnostic(code, { file, ...(path ? { path } : {}) }, message, fix)]);
  };
  if (text.length > lim.yamlBytes) {
    fail('YAML_TOO_LARGE', undefined, `the pipeline is ${text.length} characters long`, `make it smaller; ${overLimit('yamlBytes', lim.yamlBytes)}`);
  }
  const bad = NON_PRINTABLE.exec(text);
  if (bad) {
    const { line, col } = position(text, bad.index);
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    fail('YAML_SYNTAX', `line ${line}, column ${col}`, `invalid YAML: control character U+${code}`, 'remove it; YAML allows only printable characters, tabs and line breaks (write it as an escape such as \\u0000 in a double-quoted string)');
  }
  const quick = loadQuickly(text);
  // Without an `&` there is no anchor, so nothing to share: the walk need not remember what it saw.
  if (quick && !checkShape(quick, lim, fail, text.includes('&'))) return quick;
  return loadStrictly(text, lim, fail);
}

/** Documents that arrived already parsed (a PipelineRun's pipelineSpec): the depth limit still applies. */
export function checkParsedDocuments(docs: unknown[], file?: string, lim: Readonly<Limits> = limits()): unknown[] {
  checkShape(docs, lim, (code, path, message, fix) => {
    throw new PipelineError([diagnostic(code, { file, ...(path ? { path } : {}) }, message, fix)]);
  }, false);
  return docs;
}

/** Control characters YAML forbids (only printable characters, tab and line breaks); both parsers let some through. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;

function loadQuickly(text: string): unknown[] | undefined {
  try {
    if (/^\s*[{[]/.test(text)) return [JSON.parse(text) as unknown];
  } catch {
    // not JSON after all: YAML below
  }
  try {
    return loadAll(text, undefined, { schema: CORE_SCHEMA }).filter((d) => d !== null && d !== undefined);
  } catch {
    return undefined;
  }
}

function loadStrictly(text: string, lim: Readonly<Limits>, fail: Fail): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const list = Array.isArray(docs) ? docs : [docs];
  // One message per mistake: after the first error the parser's later ones are mostly its consequences.
  const first = list.flatMap((d) => d.errors)[0];
  if (first) {
    const { line, col } = position(text, first.pos[0]);
    const at = `line ${line}, column ${col}`;
    if (/call stack/i.test(first.message)) fail('YAML_TOO_DEEP', at, 'the YAML nests too deeply to parse', `flatten it; ${overLimit('yamlDepth', lim.yamlDepth)}`);
    const firstLine = first.message.split('\n')[0] ?? first.message;
    fail('YAML_SYNTAX', at, `invalid YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`, 'fix the YAML at that line (indentation with spaces, closing quotes and brackets, a space after each colon)');
  }
  const values = list.map((d) => {
    try {
      return d.toJS({ maxAliasCount: lim.yamlAliases }) as unknown;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/alias/i.test(msg)) return fail('YAML_ALIASES', undefined, `the YAML's aliases (*name) expand to too many values: ${msg}`, `write the values out or use fewer aliases; ${overLimit('yamlAliases', lim.yamlAliases)}`);
      if (/call stack/i.test(msg)) return fail('YAML_TOO_DEEP', undefined, 'the YAML nests too deeply to read', `flatten it; ${overLimit('yamlDepth', lim.yamlDepth)}`);
      throw e;
    }
  });
  const out = values.filter((d) => d !== null && d !== undefined);
  checkShape(out, lim, fail);
  return out;
}

/**
 * Fails when the documents nest deeper than the limit; true when they share values (aliases). Iterative, so the
 * check itself cannot overflow the stack, and linear: a shared value is walked once.
 */
function checkShape(docs: unknown[], lim: Readonly<Limits>, fail: Fail, mayShare = true): boolean {
  const seen = mayShare ? new Set<object>() : undefined;
  let shared = false;
  const values: unknown[] = [...docs];
  const depths: number[] = docs.map(() => 1);
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (seen) {
      if (seen.has(v)) {
        shared = true;
        continue;
      }
      seen.add(v);
    }
    if (depth > lim.yamlDepth) fail('YAML_TOO_DEEP', undefined, `the YAML nests more than ${lim.yamlDepth} levels deep`, `flatten it; ${overLimit('yamlDepth', lim.yamlDepth)}`);
    for (const c of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof c !== 'object' || c === null) continue;
      values.push(c);
      depths.push(depth + 1);
    }
  }
  return shared;
}

function position(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, col: offset - before.lastIndexOf('\n') };
}
