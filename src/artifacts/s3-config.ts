// S3 connection settings, parsed once from the environment into a frozen object. Credentials come only
// from the environment (a Secret via secretKeyRef) and are hidden from JSON and util.inspect, so logging
// the config object cannot leak them.
import { inspect } from 'node:util';

export interface S3Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly sessionToken?: string;
}

export interface S3Config {
  /** Host name or IP, without scheme or port. */
  readonly endpoint: string;
  readonly port?: number;
  readonly useSSL: boolean;
  readonly region: string;
  /** Default bucket (created by ensureBucket); URIs name their own bucket. */
  readonly bucket: string;
  /** Path-style requests (MinIO, versitygw, SeaweedFS need them). */
  readonly pathStyle: boolean;
  readonly credentials: S3Credentials;
}

/** Environment variables read by s3ConfigFromEnv. */
export const S3_ENV = {
  endpoint: 'PIPEWRIGHT_S3_ENDPOINT',
  port: 'PIPEWRIGHT_S3_PORT',
  useSSL: 'PIPEWRIGHT_S3_USE_SSL',
  region: 'PIPEWRIGHT_S3_REGION',
  bucket: 'PIPEWRIGHT_S3_BUCKET',
  pathStyle: 'PIPEWRIGHT_S3_PATH_STYLE',
  accessKey: 'AWS_ACCESS_KEY_ID',
  secretKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
} as const;

export const DEFAULT_BUCKET = 'pipewright';
export const DEFAULT_REGION = 'us-east-1';

export class S3ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'S3ConfigError';
  }
}

function parseBool(value: string | undefined, name: string, dflt: boolean): boolean {
  if (value === undefined || value === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new S3ConfigError(`${name}="${value}" is not a boolean (true/false)`);
}

function parsePort(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new S3ConfigError(`${name}="${value}" is not a TCP port`);
  return n;
}

/** Credentials object whose secret never serializes. */
export function makeCredentials(accessKey: string, secretKey: string, sessionToken?: string): S3Credentials {
  const creds = { accessKey, secretKey, ...(sessionToken ? { sessionToken } : {}) };
  Object.defineProperty(creds, 'toJSON', { value: () => ({ accessKey: '[redacted]', secretKey: '[redacted]' }) });
  Object.defineProperty(creds, inspect.custom, { value: () => '[S3Credentials redacted]' });
  return Object.freeze(creds);
}

/**
 * PIPEWRIGHT_S3_ENDPOINT accepts `host`, `host:port` or `http(s)://host[:port]`; a scheme decides
 * useSSL unless PIPEWRIGHT_S3_USE_SSL says otherwise.
 */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config {
  const raw = env[S3_ENV.endpoint]?.trim();
  if (!raw) throw new S3ConfigError(`${S3_ENV.endpoint} is not set (e.g. minio.pipewright-system:9000)`);
  const m = /^(?:(https?):\/\/)?([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(raw);
  if (!m) throw new S3ConfigError(`${S3_ENV.endpoint}="${raw}" is not host[:port] or http(s)://host[:port]`);
  const [, scheme, host = '', portText] = m;
  const portEnv = env[S3_ENV.port];
  const port = portText ? parsePort(portText, S3_ENV.endpoint) : portEnv ? parsePort(portEnv, S3_ENV.port) : undefined;
  const useSSL = parseBool(env[S3_ENV.useSSL], S3_ENV.useSSL, scheme === 'https');

  const accessKey = env[S3_ENV.accessKey];
  const secretKey = env[S3_ENV.secretKey];
  if (!accessKey || !secretKey) {
    throw new S3ConfigError(`${S3_ENV.accessKey} and ${S3_ENV.secretKey} must be set (from a Secret)`);
  }
  return Object.freeze({
    endpoint: host,
    ...(port !== undefined ? { port } : {}),
    useSSL,
    region: env[S3_ENV.region] || DEFAULT_REGION,
    bucket: env[S3_ENV.bucket] || DEFAULT_BUCKET,
    pathStyle: parseBool(env[S3_ENV.pathStyle], S3_ENV.pathStyle, true),
    credentials: makeCredentials(accessKey, secretKey, env[S3_ENV.sessionToken] || undefined),
  });
}

/** For logs: where we talk to, never with whom. */
export function describeS3(config: S3Config): string {
  return `${config.useSSL ? 'https' : 'http'}://${config.endpoint}${config.port ? `:${config.port}` : ''} (region ${config.region})`;
}
