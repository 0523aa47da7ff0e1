// The pod helpers' store outlasts a controller restart: requests to the gateway (503 while no controller answers)
// are retried for a time budget, not a handful of attempts, and give up with the cause once it is spent.
import { jest } from '@jest/globals';
import { GrantedArtifactStore } from './granted-store.js';

function stubFetch(unavailable: number): { calls: string[]; restore: () => void } {
  const calls: string[] = [];
  const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = String(input);
    calls.push(`${init?.method ?? 'GET'} ${url}`);
    if (url.endsWith('/v1/artifacts/upload')) {
      if (calls.length <= unavailable) return new Response('{"error":"no controller is running"}', { status: 503 });
      return new Response(JSON.stringify({ url: 'http://s3.local/b/k?sig=1' }), { status: 200 });
    }
    return new Response('', { status: 200 });
  });
  return { calls, restore: () => spy.mockRestore() };
}

describe('GrantedArtifactStore retries', () => {
  it('keeps asking a gateway that is down for longer than five attempts (a controller restart) and then uploads', async () => {
    const f = stubFetch(12);
    try {
      const store = new GrantedArtifactStore({ gatewayUrl: 'http://gw', grant: 'g', roots: [], backoffMs: 1, maxBackoffMs: 2, retryForMs: 10_000 });
      await store.putJson('minio://b/k', { ok: true });
      expect(f.calls.filter((c) => c.endsWith('/upload'))).toHaveLength(13);
      expect(f.calls.at(-1)).toBe('PUT http://s3.local/b/k?sig=1');
    } finally {
      f.restore();
    }
  });

  it('gives up with the cause once its time budget is spent', async () => {
    const f = stubFetch(Infinity);
    try {
      const store = new GrantedArtifactStore({ gatewayUrl: 'http://gw', grant: 'g', roots: [], backoffMs: 5, maxBackoffMs: 5, retryForMs: 60 });
      await expect(store.putJson('minio://b/k', {})).rejects.toThrow(/artifact gateway upload: HTTP 503: no controller is running \(after \d+ attempts\)/);
      expect(f.calls.length).toBeGreaterThan(1);
    } finally {
      f.restore();
    }
  });
});
