// ESM-native jest: @kubernetes/client-node is ESM-only, so tests run as ES modules
// (node --experimental-vm-modules) through ts-jest's ESM preset. See docs/adr/0001-runtime-and-tests.md.
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testEnvironment: 'node',
};
export default {
  projects: [
    // Pure logic: fast, no I/O beyond temp files.
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'] },
    // The local runner against the real kfp SDK and executor (Python venvs under ~/.cache/pipewright).
    // Hooks and tests wait on real processes: a loaded 2-core machine needs more than jest's 5 s default.
    { ...common, displayName: 'local', testTimeout: 120_000, testMatch: ['<rootDir>/test/integration/local/**/*.test.ts'] },
    // Everything that needs the real kube-apiserver, node agent and S3 server (test/cluster).
    // One cluster for the whole run (globalSetup/globalTeardown); each test file makes its own namespace.
    {
      ...common, displayName: 'cluster', testTimeout: 120_000, testMatch: ['<rootDir>/test/integration/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/jest/global-setup.js',
      globalTeardown: '<rootDir>/test/cluster/jest/global-teardown.js',
    },
  ],
};
