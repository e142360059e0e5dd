/**
 * The tests `npm run test:mutation` runs against each mutant: those that cover the isolation
 * probes, bypass discovery, the shared-table rule and the tenant context. STRYKER_SCOPE=unit keeps the unit tests only (no database).
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] };
const unit = [
  '<rootDir>/test/unit/db/tenant-context.test.ts',
  '<rootDir>/test/unit/db/read-policy.test.ts',
  '<rootDir>/test/unit/validate/bypass-candidates.test.ts',
];
const integration = [
  '<rootDir>/test/integration/isolation-probes.test.ts',
  '<rootDir>/test/integration/validate-bypass.test.ts',
  '<rootDir>/test/integration/membership-probe.test.ts',
  '<rootDir>/test/reliability/tenant-leaks.test.ts',
  '<rootDir>/test/reliability/nested-tenant.test.ts',
];
const unitOnly = process.env.STRYKER_SCOPE === 'unit';

module.exports = {
  testEnvironment: 'node',
  transform,
  testMatch: unitOnly ? unit : [...unit, ...integration],
  ...(unitOnly ? {} : {
    globalSetup: '<rootDir>/src/testing/jest-global-setup.ts',
    globalTeardown: '<rootDir>/src/testing/jest-global-teardown.ts',
  }),
  testTimeout: 180000,
};
