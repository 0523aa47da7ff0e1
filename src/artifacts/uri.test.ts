import { inspect } from 'node:util';
import { s3ConfigFromEnv, S3ConfigError } from './s3-config.js';
import { safeJoin } from './s3.js';
import { ArtifactUriError, childUri, isUnderUri, localPathForUri, parseArtifactUri } from './uri.js';

describe('parseArtifactUri', () => {
  it.each([
    ['minio://mlpipeline/v2/artifacts/p/run/task/out', { scheme: 'minio', bucket: 'mlpipeline', key: 'v2/artifacts/p/run/task/out' }],
    ['s3://my-bucket/a.txt', { scheme: 's3', bucket: 'my-bucket', key: 'a.txt' }],
    ['gs://b.example/dir/', { scheme: 'gs', bucket: 'b.example', key: 'dir' }],
  ])('parses %s', (uri, want) => {
    expect(parseArtifactUri(uri)).toEqual(want);
  });

  it.each([
    'minio://bucket/../other/key',
    'minio://bucket/a/../../b',
    'minio://bucket//etc/passwd',
    'minio://bucket/a/./b',
    'minio://bucket/a\\..\\b',
    'minio://bucket/a\0b',
    'minio://bucket',
    'minio://bucket/',
    'minio:///key',
    'minio://../key',
    'minio://UPPER/key',
    'file:///etc/passwd',
    'http://bucket/key',
    '/minio/bucket/key',
  ])('rejects %j', (uri) => {
    expect(() => parseArtifactUri(uri)).toThrow(ArtifactUriError);
  });
});

describe('localPathForUri', () => {
  it('maps schemes to the SDK mounts', () => {
    expect(localPathForUri('minio://b1b/k/x')).toBe('/minio/b1b/k/x');
    expect(localPathForUri('s3://b1b/k')).toBe('/s3/b1b/k');
    expect(localPathForUri('gs://b1b/k')).toBe('/gcs/b1b/k');
  });
  it('refuses traversal', () => {
    expect(() => localPathForUri('minio://b1b/../../etc')).toThrow(/escapes/);
  });
});

describe('childUri / isUnderUri', () => {
  it('joins and checks', () => {
    expect(childUri('minio://b1b/root', 'outputs.json')).toBe('minio://b1b/root/outputs.json');
    expect(() => childUri('minio://b1b/root', '../x')).toThrow();
    expect(isUnderUri('minio://b1b/root/x/y', 'minio://b1b/root')).toBe(true);
    expect(isUnderUri('minio://b1b/root', 'minio://b1b/root')).toBe(true);
    expect(isUnderUri('minio://b1b/rootx/y', 'minio://b1b/root')).toBe(false);
    expect(isUnderUri('s3://b1b/root/y', 'minio://b1b/root')).toBe(false);
    expect(isUnderUri('minio://other/root/y', 'minio://b1b/root')).toBe(false);
  });
});

describe('safeJoin', () => {
  it('keeps keys under the directory', () => {
    expect(safeJoin('/minio/b/k', 'a/b.txt')).toBe('/minio/b/k/a/b.txt');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a\\b', '']) expect(() => safeJoin('/minio/b/k', bad)).toThrow();
  });
});

describe('s3ConfigFromEnv', () => {
  const creds = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'very-secret-value' };
  it('parses host:port and defaults', () => {
    const c = s3ConfigFromEnv({ ...creds, PIPEWRIGHT_S3_ENDPOINT: 'minio.ns:9000' });
    expect(c).toMatchObject({ endpoint: 'minio.ns', port: 9000, useSSL: false, region: 'us-east-1', bucket: 'pipewright', pathStyle: true });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('takes SSL from the scheme unless overridden', () => {
    expect(s3ConfigFromEnv({ ...creds, PIPEWRIGHT_S3_ENDPOINT: 'https://s3.example.com' }).useSSL).toBe(true);
    expect(s3ConfigFromEnv({ ...creds, PIPEWRIGHT_S3_ENDPOINT: 'https://s3.example.com', PIPEWRIGHT_S3_USE_SSL: 'false' }).useSSL).toBe(false);
  });
  it('never shows the secret in JSON or inspect', () => {
    const c = s3ConfigFromEnv({ ...creds, PIPEWRIGHT_S3_ENDPOINT: 'minio:9000' });
    expect(c.credentials.secretKey).toBe('very-secret-value');
    expect(JSON.stringify(c)).not.toContain('very-secret-value');
    expect(JSON.stringify(c)).not.toContain('AKIDEXAMPLE');
    expect(inspect(c, { depth: 5 })).not.toContain('very-secret-value');
  });
  it('explains what is missing', () => {
    expect(() => s3ConfigFromEnv({ ...creds })).toThrow(/PIPEWRIGHT_S3_ENDPOINT/);
    expect(() => s3ConfigFromEnv({ PIPEWRIGHT_S3_ENDPOINT: 'minio:9000' })).toThrow(S3ConfigError);
    expect(() => s3ConfigFromEnv({ ...creds, PIPEWRIGHT_S3_ENDPOINT: 'minio:9000', PIPEWRIGHT_S3_USE_SSL: 'maybe' })).toThrow(/boolean/);
    expect(() => s3ConfigFromEnv({ ...creds, PIPEWRIGHT_S3_ENDPOINT: 'minio:99999' })).toThrow(/port/);
  });
});
