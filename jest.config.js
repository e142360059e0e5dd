/** Unit tests need no database; integration tests share one server per run (globalSetup). */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'tools',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/tools/**/*.test.ts'],
    },
    {
      // A real Citus cluster (TENANTSEED_CITUS_URL, started by .ci/run); skipped, saying so, without one.
      displayName: 'citus',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/citus/**/*.test.ts'],
      slowTestThreshold: 60,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/reliability/**/*.test.ts'],
      // CI runs part of this project on a second server at the same time (.ci/run): the files it
      // takes there are left out here by TENANTSEED_INTEGRATION_ELSEWHERE (a path regex).
      testPathIgnorePatterns: ['/node_modules/', ...(process.env.TENANTSEED_INTEGRATION_ELSEWHERE ? [process.env.TENANTSEED_INTEGRATION_ELSEWHERE] : [])],
      globalSetup: '<rootDir>/src/testing/jest-global-setup.ts',
      globalTeardown: '<rootDir>/src/testing/jest-global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
  // Sized for a loaded two-core machine: an integration test may run ten CLI processes in a row
  // (each a Node start-up, a connection and a transaction); 60 s failed there on a fresh clone.
  testTimeout: 180000,
};
