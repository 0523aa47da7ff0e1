import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { GrantError, grantAllows, grantKey, signGrant, verifyGrant, type GrantClaims } from './grant.js';

const key = grantKey({ s3SecretKey: 'the-s3-secret' });
const now = 1_800_000_000;
const claims = (over: Partial<GrantClaims> = {}): GrantClaims => ({
  v: 1, ns: 'team-a', run: 'uid-1', pod: 'p-1',
  read: ['minio://pipewright/root/team-a/run-1/train/model'],
  write: ['minio://pipewright/root/team-a/run-1/eval'],
  exp: now + 600,
  ...over,
});

describe('grant tokens', () => {
  it('round-trips its claims', () => {
    expect(verifyGrant(signGrant(claims(), key), key, now)).toEqual(claims());
  });

  it('derives the same key from the same S3 secret, another from another, and prefers PIPEWRIGHT_GRANT_KEY', () => {
    expect(grantKey({ s3SecretKey: 'the-s3-secret' }).equals(key)).toBe(true);
    expect(grantKey({ s3SecretKey: 'other' }).equals(key)).toBe(false);
    expect(grantKey({ grantKey: 'k'.repeat(32), s3SecretKey: 'the-s3-secret' }).toString()).toBe('k'.repeat(32));
    expect(() => grantKey({ grantKey: 'short' })).toThrow(/PIPEWRIGHT_GRANT_KEY must be at least 32/);
    expect(() => grantKey({})).toThrow(/set PIPEWRIGHT_GRANT_KEY/);
  });

  it('refuses an expired grant', () => {
    const t = signGrant(claims({ exp: now }), key);
    expect(() => verifyGrant(t, key, now)).toThrow(/grant expired/);
    expect(verifyGrant(t, key, now - 1).exp).toBe(now);
  });

  it('refuses a grant signed with another key', () => {
    const t = signGrant(claims(), grantKey({ s3SecretKey: 'guess' }));
    expect(() => verifyGrant(t, key, now)).toThrow(GrantError);
  });

  it('refuses claims changed after signing (wider write, other namespace, later expiry)', () => {
    const [, sig] = signGrant(claims(), key).split('.');
    for (const forged of [
      claims({ write: ['minio://pipewright/root'] }),
      claims({ ns: 'team-b' }),
      claims({ exp: now + 10 ** 9 }),
    ]) {
      const payload = Buffer.from(JSON.stringify(forged)).toString('base64url');
      expect(() => verifyGrant(`${payload}.${sig}`, key, now)).toThrow(/signature does not match/);
    }
  });

  it('refuses any single-character change to a token (property)', () => {
    const token = signGrant(claims(), key);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (i, ch) => {
      fc.pre(token[i] !== ch);
      const t = token.slice(0, i) + ch + token.slice(i + 1);
      expect(() => verifyGrant(t, key, now)).toThrow(GrantError);
    }), { numRuns: 2000 });
  });

  it('refuses every spelling of the token but the one it was signed with, including the last characters\' unused bits', () => {
    const token = signGrant(claims(), key);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const [payload, sig] = token.split('.') as [string, string];
    let sameBytes = 0;
    for (const ch of alphabet) {
      for (const [p, s] of [[payload.slice(0, -1) + ch, sig], [payload, sig.slice(0, -1) + ch]] as const) {
        const t = `${p}.${s}`;
        if (t === token) continue;
        if (Buffer.from(p, 'base64url').equals(Buffer.from(payload, 'base64url')) && Buffer.from(s, 'base64url').equals(Buffer.from(sig, 'base64url'))) sameBytes += 1;
        expect(() => verifyGrant(t, key, now)).toThrow(/signature does not match/);
      }
    }
    expect(sameBytes).toBeGreaterThan(0);
  });

  it.each(['', 'x', 'a.b.c', '.sig', 'payload.'])('refuses malformed token %j', (t) => {
    expect(() => verifyGrant(t, key, now)).toThrow(GrantError);
  });

  it('refuses well-signed claims of another version', () => {
    const payload = Buffer.from(JSON.stringify({ ...claims(), v: 2 })).toString('base64url');
    const sig = createHmac('sha256', key).update(payload).digest('base64url');
    expect(() => verifyGrant(`${payload}.${sig}`, key, now)).toThrow(/not version 1/);
  });
});

describe('grant scope', () => {
  const c = claims();
  it.each([
    ['read', 'minio://pipewright/root/team-a/run-1/train/model', true],
    ['read', 'minio://pipewright/root/team-a/run-1/train/model/part-0', true],
    ['read', 's3://pipewright/root/team-a/run-1/train/model', true],
    ['read', 'minio://pipewright/root/team-a/run-1/train/model2', false],
    ['read', 'minio://pipewright/root/team-a/run-1/train', false],
    ['read', 'minio://other/root/team-a/run-1/train/model', false],
    ['read', 'gs://pipewright/root/team-a/run-1/train/model', true],
    ['read', 'minio://pipewright/root/team-a/run-1/eval/metrics', false],
    ['read', 'minio://pipewright/root/team-a/run-1/train/model/../../../team-b/x', false],
    ['read', 'minio://pipewright/root/team-a/run-1/train/model/%2e%2e/x', false],
    ['read', 'minio://pipewright/root/team-a/run-1/train/model/a%2fb', false],
    ['read', 'minio://pipewright/root/team-a/run-1/train/model//x', false],
    ['write', 'minio://pipewright/root/team-a/run-1/eval/metrics', true],
    ['write', 'minio://pipewright/root/team-a/run-1/eval/outputs.json', true],
    ['write', 'minio://pipewright/root/team-a/run-1/eval', false],
    ['write', 'minio://pipewright/root/team-a/run-1/evaluate/x', false],
    ['write', 'minio://pipewright/root/team-a/run-1/train/model', false],
    ['write', 'minio://pipewright/root/team-a/run-1/eval/../train/model', false],
    ['write', 'minio://pipewright/root/team-a/run-1/eval/%2E%2E/train', false],
    ['write', 'not a uri', false],
  ] as const)('%s %s -> %s', (op, uri, want) => {
    expect(grantAllows(c, op, uri)).toBe(want);
  });

  it('does not confuse root/run-1 with root/run-10 (property)', () => {
    const seg = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    fc.assert(fc.property(seg, seg, fc.array(seg, { maxLength: 3 }), (a, suffix, rest) => {
      const g = claims({ read: [`minio://pipewright/root/${a}`], write: [`minio://pipewright/root/${a}`] });
      const other = [`minio://pipewright/root/${a}${suffix}`, ...rest].join('/');
      return !grantAllows(g, 'read', other) && !grantAllows(g, 'write', other);
    }));
  });

  it('allows exactly what lies under a write prefix (property)', () => {
    const seg = fc.stringMatching(/^[a-z0-9_.-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(fc.property(fc.array(seg, { minLength: 1, maxLength: 4 }), (rest) => {
      const uri = `minio://pipewright/root/team-a/run-1/eval/${rest.join('/')}`;
      return grantAllows(c, 'write', uri) && !grantAllows(c, 'write', uri.replace('/eval/', '/train/'));
    }));
  });
});
