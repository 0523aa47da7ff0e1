// The IR's executors (deploymentSpec.executors): container and importer, their command placeholders and resources.
import { Reader, child, isObject } from './yaml-reader.js';
import type { ArtifactTypeRef, CommandItem, Executor, PlatformOp, Resources } from './types.js';

const PLATFORM_OP_IMAGES: Record<string, PlatformOp> = { 'argostub/createpvc': 'createPvc', 'argostub/deletepvc': 'deletePvc' };

export function readExecutor(r: Reader, raw: unknown, path: string): Executor | undefined {
  const e = r.object(raw, path);
  if (e.container !== undefined) {
    const p = child(path, 'container');
    const c = r.object(e.container, p);
    const image = r.string(c.image, child(p, 'image'), true) ?? '';
    const platformOp = PLATFORM_OP_IMAGES[image];
    return {
      kind: 'container',
      image,
      ...(platformOp ? { platformOp } : {}),
      command: r.array(c.command, child(p, 'command')).map((v, i) => readCommandItem(r, v, `${p}.command[${i}]`)),
      args: r.array(c.args, child(p, 'args')).map((v, i) => readCommandItem(r, v, `${p}.args[${i}]`)),
      env: r.array(c.env, child(p, 'env')).map((v, i) => {
        const o = r.object(v, `${p}.env[${i}]`);
        return { name: r.string(o.name, `${p}.env[${i}].name`, true) ?? '', value: r.string(o.value, `${p}.env[${i}].value`) ?? '' };
      }),
      resources: readResources(r, c.resources, child(p, 'resources')),
    };
  }
  if (e.importer !== undefined) {
    const p = child(path, 'importer');
    const im = r.object(e.importer, p);
    const uri = r.object(im.artifactUri, child(p, 'artifactUri'), true);
    const runtimeParameter = r.string(uri.runtimeParameter, child(p, 'artifactUri.runtimeParameter'));
    const constant = uri.constant;
    return {
      kind: 'importer',
      uri: runtimeParameter ? { kind: 'input', name: runtimeParameter } : { kind: 'constant', value: r.string(constant, child(p, 'artifactUri.constant'), true) ?? '' },
      type: readArtifactType(r, im.typeSchema, child(p, 'typeSchema')),
      metadata: r.object(im.metadata, child(p, 'metadata')),
      reimport: r.boolean(im.reimport, child(p, 'reimport')) ?? false,
    };
  }
  const kinds = Object.keys(e).join(', ') || 'nothing';
  r.error(path, `unsupported executor kind (${kinds})`, 'Pipewright runs container and importer executors; rewrite resolver/customJob steps as container components', 'UNSUPPORTED_EXECUTOR');
  return undefined;
}

/** Command items are strings, or JSON strings of {"Concat": [...]} / {"IfPresent": {...}}. */
export function readCommandItem(r: Reader, raw: unknown, path: string): CommandItem {
  let v: unknown = raw;
  if (typeof raw === 'string' && raw.startsWith('{"') && (raw.includes('"Concat"') || raw.includes('"IfPresent"'))) {
    try {
      v = JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isObject(v) && Array.isArray(v.Concat)) return { concat: v.Concat.map((x, i) => readCommandItem(r, x, `${path}.Concat[${i}]`)) };
  if (isObject(v) && isObject(v.IfPresent)) {
    const ip = v.IfPresent;
    const branch = (b: unknown, name: string): CommandItem[] =>
      b === undefined || b === null ? [] : (Array.isArray(b) ? b : [b]).map((x, i) => readCommandItem(r, x, `${path}.IfPresent.${name}[${i}]`));
    return { ifPresent: { input: r.string(ip.InputName, `${path}.IfPresent.InputName`, true) ?? '', then: branch(ip.Then, 'Then'), else: branch(ip.Else, 'Else') } };
  }
  r.error(path, `unsupported command item ${JSON.stringify(v)}`, 'use strings, Concat or IfPresent placeholders', 'UNKNOWN_PLACEHOLDER');
  return '';
}

/** Prefer the string `resource*` fields; fall back to the deprecated floats (memory in GB = 10^9). */
function readResources(r: Reader, raw: unknown, path: string): Resources {
  const o = r.object(raw, path);
  const res: Resources = {};
  const pick = (str: string, legacy: string, unit: string): string | undefined => {
    const s = r.string(o[str], child(path, str));
    if (s) return s;
    const n = r.number(o[legacy], child(path, legacy));
    return n === undefined ? undefined : `${n}${unit}`;
  };
  const cpuRequest = pick('resourceCpuRequest', 'cpuRequest', '');
  const cpuLimit = pick('resourceCpuLimit', 'cpuLimit', '');
  const memoryRequest = pick('resourceMemoryRequest', 'memoryRequest', 'G');
  const memoryLimit = pick('resourceMemoryLimit', 'memoryLimit', 'G');
  if (cpuRequest) res.cpuRequest = cpuRequest;
  if (cpuLimit) res.cpuLimit = cpuLimit;
  if (memoryRequest) res.memoryRequest = memoryRequest;
  if (memoryLimit) res.memoryLimit = memoryLimit;
  const acc = r.object(o.accelerator, child(path, 'accelerator'));
  const type = r.string(acc.resourceType, child(path, 'accelerator.resourceType')) ?? r.string(acc.type, child(path, 'accelerator.type'));
  const count = r.string(acc.resourceCount, child(path, 'accelerator.resourceCount')) ?? r.string(acc.count, child(path, 'accelerator.count'));
  if (type) res.accelerator = { type, count: count ?? '1' };
  return res;
}

export function readArtifactType(r: Reader, raw: unknown, path: string): ArtifactTypeRef {
  const o = r.object(raw, path, true);
  return {
    schemaTitle: r.string(o.schemaTitle, child(path, 'schemaTitle')) ?? 'system.Artifact',
    schemaVersion: r.string(o.schemaVersion, child(path, 'schemaVersion')) ?? '0.0.1',
  };
}
