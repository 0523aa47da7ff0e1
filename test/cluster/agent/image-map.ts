// How a container image runs on this host. No images are pulled: an image reference only chooses PATH additions,
// environment, an entrypoint for containers without `command`, and extra binds. Configurable with
// PW_AGENT_IMAGE_MAP: a JSON file path or inline JSON, an array of ImageRule tried before the defaults.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageUser } from './sandbox.js';

export interface Bind { host: string; path: string; readOnly?: boolean }

export interface ImageRule {
  /** Glob on the image reference: `*` matches any run of characters. */
  pattern: string;
  pathPrepend?: string[];
  env?: Record<string, string>;
  entrypoint?: string[];
  binds?: Bind[];
  /** The image's USER: the uid (and gid) a container runs as when its securityContext names none. */
  user?: ImageUser;
}

export type ImageMap = (image: string) => ImageRule;

const globToRegExp = (g: string): RegExp =>
  new RegExp(`^${g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);

/** The image as scripts/image-layout.mjs builds it: OUT/root is its file system, OUT/image.json its config. */
export interface ImageLayout { dir: string; env: Record<string, string>; user?: string; entrypoint: string[] }

export function readImageLayout(dir: string): ImageLayout {
  const cfg = JSON.parse(readFileSync(join(dir, 'image.json'), 'utf8')) as Omit<ImageLayout, 'dir'>;
  return { dir, ...cfg };
}

/**
 * The project's image from its built layout (the Dockerfile's stages replayed): its /app bound at /app, its ENV,
 * USER and ENTRYPOINT. The agent's node (the Dockerfile's version, scripts/node.sh) stands in for the base image's.
 */
export function layoutRules(layout: ImageLayout): ImageRule[] {
  const [uid, gid] = (layout.user ?? '0').split(':').map(Number);
  return ['pipewright*', '*/pipewright*'].map((pattern) => ({
    pattern, entrypoint: layout.entrypoint, env: layout.env,
    binds: [{ host: join(layout.dir, 'root', 'app'), path: '/app', readOnly: true }],
    user: { uid: uid!, ...(gid !== undefined ? { gid } : {}) },
  }));
}

/**
 * The versitygw image (the chart's bundled S3 server, s3.bundled): the binary build.sh caches, bound where the
 * image has it (/app/versitygw, its ENTRYPOINT). The image has no USER: it runs as root unless the pod says not.
 */
export function versitygwRules(bin: string): ImageRule[] {
  return ['versity/versitygw*', '*/versity/versitygw*'].map((pattern) => ({
    pattern, entrypoint: ['/app/versitygw'], binds: [{ host: bin, path: '/app/versitygw', readOnly: true }],
  }));
}

export function defaultRules(repo: string, cache: string, shimDir: string, layout?: ImageLayout, versitygwBin?: string): ImageRule[] {
  const py = join(cache, 'python', 'bin');
  return [
    // A modelcar image (oci:// artifacts, KServe's layout): the model files under /models, from a fixture folder.
    // Any other modelcar.test/* image is one without /models.
    { pattern: 'modelcar.test/demo:*', binds: [{ host: join(repo, 'test', 'fixtures', 'modelcar', 'demo', 'models'), path: '/models', readOnly: true }] },
    ...(layout ? layoutRules(layout) : []),
    ...(versitygwBin && existsSync(versitygwBin) ? versitygwRules(versitygwBin) : []),
    // The project's own image runs the built project through a `pipewright` shim on PATH. The checkout is bound
    // in explicitly: under /tmp (a clone made there) it would be hidden by the sandbox's private /tmp. It runs as
    // the Dockerfile's USER; the checkout, node and the shim only need to be readable (and executable) by others.
    ...['pipewright*', '*/pipewright*'].map((pattern) => ({
      pattern, pathPrepend: [shimDir], entrypoint: ['pipewright'], env: { PIPEWRIGHT_HOME: repo },
      binds: [{ host: repo, path: repo, readOnly: true }], user: { uid: 65532, gid: 65532 },
    })),
    // python images: a prepared environment first on PATH when one exists, else the host's python3.
    { pattern: 'python:*', pathPrepend: existsSync(py) ? [py] : [], env: { PYTHONUNBUFFERED: '1' } },
    { pattern: '*', pathPrepend: [] },
  ];
}

export function loadImageMap(spec: string | undefined, defaults: ImageRule[]): ImageMap {
  let custom: ImageRule[] = [];
  if (spec) {
    const text = spec.trimStart().startsWith('[') ? spec : readFileSync(spec, 'utf8');
    custom = JSON.parse(text) as ImageRule[];
  }
  const rules = [...custom, ...defaults].map((r) => ({ rule: r, re: globToRegExp(r.pattern) }));
  return (image) => rules.find((r) => r.re.test(image))?.rule ?? { pattern: '*' };
}
