// The tenancy rules as an attacker in namespace `a` would probe them: neighbours with a common prefix (`ab`),
// traversal (`..`, encoded, backslash), doubled slashes, other buckets and schemes, the cache folder.
import fc from 'fast-check';
import { cacheIndexPrefix, checkPipelineRoot, checkReadUri, checkSecretName, checkServiceAccount, isOwnUri, parseStrict, tenancyFromEnv, tenantPrefix, type TenancyConfig } from './tenancy.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import { taskRootUri } from './keys.js';

const R0 = 'minio://pipewright/v2/artifacts';
const cfg: TenancyConfig = {
  pipelineRoot: R0,
  allowedPipelineRoots: ['s3://team-data/roots'],
  sharedReadUris: ['minio://datasets/public', 's3://pipewright/shared/mnist'],
  protectedSecrets: ['pipewright-s3', 'pipewright-grant-key'],
  controllerNamespace: 'pipewright-system',
  controllerServiceAccount: 'pipewright-controller',
};

describe('tenant prefix and cache index', () => {
  it('puts a namespace under the configured root, and its cache index in .cache inside it', () => {
    expect(tenantPrefix(cfg, 'a')).toBe('minio://pipewright/v2/artifacts/a');
    expect(tenantPrefix({ pipelineRoot: `${R0}/` }, 'a')).toBe('minio://pipewright/v2/artifacts/a');
    expect(tenantPrefix({ pipelineRoot: 'minio://bucket' }, 'a')).toBe('minio://bucket/a');
    expect(cacheIndexPrefix(cfg, 'a')).toBe('minio://pipewright/v2/artifacts/a/.cache');
  });

  it('never places a run task root in or over a cache index (run and namespace names are DNS names)', () => {
    const dns = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,4}[a-z0-9])?)?$/);
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
    fc.assert(
      fc.property(label, dns, label, fc.constantFrom(R0, 's3://team-data/roots', `${R0}/NS/sub`), fc.constantFrom('train', 'for-loop-2[3]/inner'), (ns, run, other, rootTemplate, node) => {
        const requested = rootTemplate.replace('NS', ns);
        const r = checkPipelineRoot(requested, ns, cfg, 'root');
        if (!('root' in r)) return false;
        const taskRoot = taskRootUri({ name: run, displayName: run, uid: 'u', namespace: ns, pipelineRoot: r.root, createTime: '' }, node);
        const t = parseStrict(taskRoot) as { segments: string[] };
        // Inside the namespace's own prefixes, never in any namespace's cache folder, never in another namespace's prefix.
        const inOwn = isOwnUri(taskRoot, ns, cfg);
        const inCache = [ns, other].some((n) => `${taskRoot}/`.startsWith(`${cacheIndexPrefix(cfg, n)}/`) || `${cacheIndexPrefix(cfg, n)}/`.startsWith(`${taskRoot}/`));
        const inOther = other !== ns && isOwnUri(taskRoot, other, cfg);
        return inOwn && !inCache && !inOther && !t.segments.some((s) => s.startsWith('.'));
      }),
    );
  });
});

describe('checkReadUri (importers, task inputs)', () => {
  it.each([
    'minio://pipewright/v2/artifacts/a/run/task/out',
    'minio://pipewright/v2/artifacts/a',
    'minio://pipewright/v2/artifacts/a/',
    's3://pipewright/v2/artifacts/a/run/x', // same server, same object as minio://
    's3://team-data/roots/a/run/x',
    'minio://datasets/public',
    'minio://datasets/public/train.csv',
    's3://pipewright/shared/mnist/images/1.png',
  ])('lets namespace a read %s', (uri) => {
    expect(checkReadUri(uri, 'a', cfg, 'importer')).toBeUndefined();
  });

  it.each([
    ['minio://pipewright/v2/artifacts/b/run/task/out', /outside namespace a's artifacts/],
    ['minio://pipewright/v2/artifacts/ab/run/task/out', /outside namespace a's artifacts/],
    ['minio://pipewright/v2/artifacts/b', /outside/],
    ['minio://pipewright/v2/artifacts', /outside/],
    ['minio://pipewright/v2/artifacts/a/../b/run/out', /"\." or "\.\." path segment/],
    ['minio://pipewright/v2/artifacts/a/%2e%2e/b/run/out', /percent-encoding/],
    ['minio://pipewright/v2/artifacts/a/%2E%2E/b', /percent-encoding/],
    ['minio://pipewright/v2/artifacts/a/..%2fb/x', /percent-encoding/],
    ['minio://pipewright/v2/artifacts//a/x', /empty/],
    ['minio://pipewright//v2/artifacts/a/x', /empty/],
    ['minio://pipewright/v2/artifacts/a/./x', /path segment/],
    ['minio://pipewright/v2/artifacts/a\\..\\b', /character/],
    ['minio://pipewright/v2/artifacts/a/x y', /character/],
    ['minio://pipewright/v2/artifacts/a/x\n', /character/],
    ['minio://pipewright/v2/artifacts/a/x\u0007/../b', /control character/],
    ['minio://pipewright/v2/artifacts/a/x?y=../../b', /character/],
    ['minio://pipewright/v2/artifacts/a#/../b', /character/],
    ['minio://other-bucket/v2/artifacts/a/x', /outside/],
    ['minio://pipewright.evil/v2/artifacts/a/x', /outside/],
    ['minio://PIPEWRIGHT/v2/artifacts/a/x', /invalid bucket/],
    ['s3://team-data/roots/b/x', /outside/],
    ['s3://team-data/roots/ab/x', /outside/],
    ['minio://datasets/public-other/x', /outside/],
    ['minio://datasets/publi', /outside/],
    ['minio://datasets', /no object key/],
    ['file:///etc/passwd', /not a minio/],
    ['http://pipewright/v2/artifacts/a/x', /not a minio/],
    ['https://s3.amazonaws.com/pipewright/v2/artifacts/a/x', /not a minio/],
    ['MINIO://pipewright/v2/artifacts/a/x', /not a minio/],
    [' minio://pipewright/v2/artifacts/a/x', /not a minio/],
    ['/minio/pipewright/v2/artifacts/b/x', /not a minio/],
    ['', /empty/],
  ])('refuses %j for namespace a', (uri, why) => {
    const d = checkReadUri(uri, 'a', cfg, 'deploymentSpec.executors.exec-importer.importer.artifactUri.constant');
    expect(d).toBeDefined();
    const text = formatDiagnostic(d!);
    expect(text).toMatch(why);
    // Names the field, and the fix points at the namespace's own prefix.
    expect(text).toContain('deploymentSpec.executors.exec-importer.importer.artifactUri.constant');
    expect(text).toContain('minio://pipewright/v2/artifacts/a/');
    expect(text).toContain('PIPEWRIGHT_SHARED_READ_URIS');
  });

  it('accepts, for any URI built from tricky pieces, only what a plain string test also finds inside the prefix', () => {
    const bare = { ...cfg, allowedPipelineRoots: [], sharedReadUris: [] };
    const seg = fc.constantFrom('a', 'ab', 'b', 'A', '..', '.', '', '%2e%2e', '%2F', 'v2', 'artifacts', '.cache', 'x y', 'a\\..', 'run', 'out');
    const base = fc.constantFrom('pipewright/v2/artifacts/a', 'pipewright/v2/artifacts/ab', 'pipewright/v2/artifacts/b', 'pipewright/v2/artifacts', 'pipewright/v2', 'pipewright', 'pipewright.evil/v2/artifacts', 'other/v2/artifacts', 'pipewright//v2/artifacts', '/v2/artifacts');
    const uri = fc.tuple(fc.constantFrom('minio://', 's3://', 'gs://', 'file://', 'MINIO://', 'minio:/'), base, fc.array(seg, { maxLength: 5 }), fc.boolean())
      .map(([scheme, b, segs, slash]) => `${scheme}${b}/${segs.join('/')}${slash ? '/' : ''}`);
    let accepted = 0;
    fc.assert(
      fc.property(uri, fc.constantFrom('a', 'ab', 'b'), fc.constantFrom('a', 'ab', 'b'), (u, n1, n2) => {
        const ok = checkReadUri(u, n1, bare, 'f') === undefined;
        const rest = u.replace(/^(minio|s3|gs):\/\//, '').replace(/\/$/, '');
        const plain = /^(minio|s3|gs):\/\//.test(u) && (rest === `pipewright/v2/artifacts/${n1}` || rest.startsWith(`pipewright/v2/artifacts/${n1}/`)) && !rest.split('/').some((x) => ['', '.', '..'].includes(x)) && !/[%\s\\]/.test(rest);
        const both = n1 !== n2 && isOwnUri(u, n1, bare) && isOwnUri(u, n2, bare);
        if (ok) accepted++;
        return ok === plain && !both;
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('without an allow-list, only the namespace prefix is readable', () => {
    const bare = { ...cfg, allowedPipelineRoots: [], sharedReadUris: [] };
    expect(checkReadUri('minio://datasets/public/x', 'a', bare, 'f')).toBeDefined();
    expect(checkReadUri('minio://pipewright/v2/artifacts/a/x', 'a', bare, 'f')).toBeUndefined();
  });
});

describe('checkPipelineRoot', () => {
  it.each([
    [undefined, R0],
    ['', R0],
    [R0, R0],
    [`${R0}/`, R0],
    ['s3://team-data/roots', 's3://team-data/roots'],
    [`${R0}/a`, `${R0}/a`],
    [`${R0}/a/my-root`, `${R0}/a/my-root`],
    ['s3://team-data/roots/a/x', 's3://team-data/roots/a/x'],
  ])('accepts %j for namespace a as %s', (requested, root) => {
    expect(checkPipelineRoot(requested, 'a', cfg, 'defaultPipelineRoot')).toEqual({ root });
  });

  it.each([
    [`${R0}/b`, /outside namespace a's artifact prefixes/],
    [`${R0}/b/x`, /outside/],
    [`${R0}/ab`, /outside/],
    ['minio://pipewright/v2', /outside/],
    ['minio://pipewright', /outside/],
    ['minio://other-bucket/v2/artifacts', /outside/],
    ['minio://other-bucket/v2/artifacts/a', /outside/],
    ['s3://team-data/roots/b', /outside/],
    ['s3://team-data', /outside/],
    ['minio://datasets/public', /outside/], // shared data is read-only
    [`${R0}/a/.cache`, /reserved/],
    [`${R0}/a/x/.hidden`, /reserved/],
    [`${R0}/a/../b`, /path segment/],
    [`${R0}/a/%2e%2e/b`, /percent-encoding/],
    [`${R0}//a`, /empty/],
    ['gs://pipewright/v2/artifacts/a', /gs:\/\//],
    ['/tmp/pipeline-root', /not a minio/],
    ['file:///tmp/root', /not a minio/],
  ])('refuses %j for namespace a', (requested, why) => {
    const r = checkPipelineRoot(requested, 'a', cfg, 'defaultPipelineRoot (pipeline_root)');
    expect('diagnostic' in r).toBe(true);
    const text = formatDiagnostic((r as { diagnostic: Parameters<typeof formatDiagnostic>[0] }).diagnostic);
    expect(text).toMatch(why);
    expect(text).toContain('defaultPipelineRoot (pipeline_root)');
    expect(text).toContain(JSON.stringify(requested));
    expect(text).toContain('compile without pipeline_root');
  });
});

describe('the controller Secrets and service account', () => {
  it('refuses the controller Secret names, naming the field and the fix', () => {
    const d = checkSecretName('pipewright-s3', 'a', cfg, 'secretAsEnv[0]');
    expect(formatDiagnostic(d!)).toBe('secretAsEnv[0]: Secret "pipewright-s3" is one of the controller\'s own Secrets; a pipeline may not mount or reference it (fix: create a Secret of your own in namespace a under another name and refer to that)');
    expect(checkSecretName('pipewright-grant-key', 'a', cfg, 'f')).toBeDefined();
    expect(checkSecretName('pipewright-s3-mine', 'a', cfg, 'f')).toBeUndefined();
    expect(checkSecretName('my-secret', 'a', cfg, 'f')).toBeUndefined();
  });

  it('refuses the controller service account only in the controller namespace', () => {
    expect(checkServiceAccount('pipewright-controller', 'pipewright-system', cfg)?.message).toMatch(/controller's own/);
    expect(checkServiceAccount('pipewright-controller', 'a', cfg)).toBeUndefined();
    expect(checkServiceAccount('runner', 'pipewright-system', cfg)).toBeUndefined();
    expect(checkServiceAccount(undefined, 'pipewright-system', cfg)).toBeUndefined();
    expect(checkServiceAccount('pipewright-controller', 'pipewright-system', { ...cfg, controllerServiceAccount: undefined })).toBeDefined();
  });
});

describe('tenancyFromEnv', () => {
  it('reads the lists and the controller identity', () => {
    const t = tenancyFromEnv({ PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: ' s3://xxx/roots , minio://yyy/r ', PIPEWRIGHT_SHARED_READ_URIS: 'minio://datasets/public', PIPEWRIGHT_PROTECTED_SECRETS: 'grant-key,pipewright-s3', POD_NAMESPACE: 'pw', POD_SERVICE_ACCOUNT: 'ctl' }, R0, ['pipewright-s3']);
    expect(t).toEqual({ pipelineRoot: R0, allowedPipelineRoots: ['s3://xxx/roots', 'minio://yyy/r'], sharedReadUris: ['minio://datasets/public'], protectedSecrets: ['pipewright-s3', 'grant-key'], controllerNamespace: 'pw', controllerServiceAccount: 'ctl' });
  });

  it.each([
    [{ PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: 'minio://pipewright/v2' }, /PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: .*nest/],
    [{ PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: 'minio://pipewright/v2/artifacts/x' }, /nest/],
    [{ PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: 's3://ooo/r,s3://ooo/r/s' }, /nest/],
    [{ PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: 'minio://ooo/../r' }, /PIPEWRIGHT_ALLOWED_PIPELINE_ROOTS: "minio:\/\/ooo\/..\/r"/],
    [{ PIPEWRIGHT_SHARED_READ_URIS: 'minio://pipewright' }, /PIPEWRIGHT_SHARED_READ_URIS: .*contains the pipeline root/],
    [{ PIPEWRIGHT_SHARED_READ_URIS: 'minio://pipewright/v2/artifacts' }, /contains the pipeline root/],
    [{ PIPEWRIGHT_SHARED_READ_URIS: 'http://x/y' }, /PIPEWRIGHT_SHARED_READ_URIS: "http:\/\/x\/y" is not/],
  ])('refuses %j at start', (env, why) => {
    expect(() => tenancyFromEnv(env, R0, [])).toThrow(why);
  });

  it('refuses a malformed PIPEWRIGHT_PIPELINE_ROOT', () => {
    expect(() => tenancyFromEnv({}, 'minio://pipewright/a/../b', [])).toThrow(/PIPEWRIGHT_PIPELINE_ROOT/);
  });
});
