import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'ui/**', 'coverage/**', '**/*.js', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      complexity: ['warn', 25],
      'max-params': ['warn', 5],
    },
  },
  {
    // The pure core (docs/architecture.md): the model and the engine decide; adapters elsewhere do the I/O.
    files: ['src/model/**/*.ts', 'src/engine/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/engine/testing/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'http2', 'node:http2', 'dgram', 'node:dgram', '@kubernetes/client-node', 'minio', 'pino'].map((name) => ({ name, message: 'src/model and src/engine are pure: do I/O in an adapter (src/local, src/controller, src/artifacts) and pass the result in' })),
        patterns: [{
          // artifacts/keys.ts is the pure key layout the engine provisions output URIs with.
          group: ['**/local/*', '**/controller/*', '**/artifacts/*', '!**/artifacts/keys.js'],
          message: 'src/model and src/engine may not import adapters (src/local, src/controller, src/artifacts)',
        }],
      }],
    },
  },
);
