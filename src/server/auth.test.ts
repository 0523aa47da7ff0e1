import { describe, expect, it } from '@jest/globals';
import { localCallerProblem } from './auth.js';

describe('localCallerProblem (laptop mode: callers without a token act as the kubeconfig user)', () => {
  it('accepts the SDK on loopback', () => {
    for (const host of ['127.0.0.1:8888', 'localhost:8888', 'localhost', '[::1]:8888', 'LOCALHOST:1']) expect(localCallerProblem({ host })).toBeUndefined();
  });

  it('accepts the server\'s own web UI: Origin of the loopback Host itself, or a same-origin GET', () => {
    expect(localCallerProblem({ host: '127.0.0.1:8888', origin: 'http://127.0.0.1:8888', secFetchSite: 'same-origin' })).toBeUndefined();
    expect(localCallerProblem({ host: 'localhost:8888', secFetchSite: 'same-origin' })).toBeUndefined();
    expect(localCallerProblem({ host: 'localhost:8888', secFetchSite: 'none' })).toBeUndefined(); // typed in the address bar
  });

  it('refuses other web pages: another Origin (other port or scheme too), a cross-site fetch without Origin', () => {
    expect(localCallerProblem({ host: '127.0.0.1:8888', origin: 'http://127.0.0.1:9999' })).toMatch(/other origins/);
    expect(localCallerProblem({ host: '127.0.0.1:8888', origin: 'https://127.0.0.1:8888' })).toMatch(/other origins/);
    expect(localCallerProblem({ host: 'evil.example:8888', origin: 'http://evil.example:8888' })).toMatch(/other origins/);
    expect(localCallerProblem({ host: '127.0.0.1:8888', secFetchSite: 'cross-site' })).toMatch(/Sec-Fetch-Site cross-site/);
    expect(localCallerProblem({ host: '127.0.0.1:8888', secFetchSite: 'same-site' })).toMatch(/Sec-Fetch-Site same-site/);
  });

  it('refuses browsers of other origins and other Host names (DNS rebinding)', () => {
    expect(localCallerProblem({ host: '127.0.0.1:8888', origin: 'http://evil.example' })).toMatch(/Origin http:\/\/evil\.example.*bearer token/);
    expect(localCallerProblem({ host: '127.0.0.1:8888', origin: 'null' })).toMatch(/Origin/);
    for (const host of ['evil.example:8888', '127.0.0.1.evil.example', '10.0.0.5:8888', undefined]) {
      expect(localCallerProblem({ host })).toMatch(/is not loopback/);
    }
  });
});
