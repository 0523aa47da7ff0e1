import { describe, expect, it } from '@jest/globals';
import { localCallerProblem } from './auth.js';

describe('localCallerProblem (laptop mode: callers without a token act as the kubeconfig user)', () => {
  it('accepts the SDK on loopback', () => {
    for (const host of ['127.0.0.1:8888', 'localhost:8888', 'localhost', '[::1]:8888', 'LOCALHOST:1']) expect(localCallerProblem({ host })).toBeUndefined();
  });

  it('refuses browsers (any Origin) and other Host names (DNS rebinding)', () => {
    expect(localCallerProblem({ host: '127.0.0.1:8888', origin: 'http://evil.example' })).toMatch(/Origin http:\/\/evil\.example.*bearer token/);
    expect(localCallerProblem({ host: '127.0.0.1:8888', origin: 'null' })).toMatch(/Origin/);
    for (const host of ['evil.example:8888', '127.0.0.1.evil.example', '10.0.0.5:8888', undefined]) {
      expect(localCallerProblem({ host })).toMatch(/is not loopback/);
    }
  });
});
