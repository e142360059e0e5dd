/**
 * The tests `npm run test:mutation` runs against each mutant: those that cover the isolation
 * probes, bypass discovery, the shared-table rule, the membership refusal and the tenant context.
 * STRYKER_SCOPE=unit keeps the unit tests only (no database); STRYKER_SCOPE=membership the
 * membership probe's test only (its mutants are covered by it alone past the probe's first line);
 * STRYKER_SCOPE=introspect introspect's drafting guards' unit tests; STRYKER_SCOPE=probes the isolation
 * probes on small schemas built in SQL (test/integration/probe-mutants.test.ts: seconds a mutant, not minutes);
 * STRYKER_SCOPE=snapshot validation's one snapshot on two connections (test/integration/validate-snapshot.test.ts);
 * STRYKER_SCOPE=login the application role's login settings (test/integration/validate.test.ts).
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] };
const unit = [
  '<rootDir>/test/unit/db/tenant-context.test.ts',
  '<rootDir>/test/unit/db/read-policy.test.ts',
  '<rootDir>/test/unit/db/policy-shapes.test.ts',
  '<rootDir>/test/unit/db/read-membership.test.ts',
  '<rootDir>/test/unit/validate/bypass-candidates.test.ts',
];
const integration = [
  '<rootDir>/test/integration/isolation-probes.test.ts',
  '<rootDir>/test/integration/validate-bypass.test.ts',
  '<rootDir>/test/integration/membership-probe.test.ts',
  '<rootDir>/test/reliability/tenant-leaks.test.ts',
  '<rootDir>/test/reliability/nested-tenant.test.ts',
];
const scopes = {
  unit,
  membership: ['<rootDir>/test/integration/membership-probe.test.ts'],
  probes: ['<rootDir>/test/integration/probe-mutants.test.ts'],
  // Validation's one snapshot on two connections (validate-database.ts: importSnapshot, runChecks).
  snapshot: ['<rootDir>/test/integration/validate-snapshot.test.ts'],
  // Validation acting as the application role logs in (act-as-application.ts), by validate.test.ts.
  login: ['<rootDir>/test/integration/validate.test.ts'],
  // Introspect's drafting guards (polymorphic guesses, column meanings), by their unit tests.
  introspect: ['<rootDir>/test/unit/introspect/guess-polymorphic.test.ts', '<rootDir>/test/unit/introspect/column-meaning.test.ts', '<rootDir>/test/unit/introspect/draft-project.test.ts'],
};
const tests = scopes[process.env.STRYKER_SCOPE] ?? [...unit, ...integration];
const needsDatabase = tests.some((t) => !t.includes('/test/unit/'));

module.exports = {
  testEnvironment: 'node',
  transform,
  testMatch: tests,
  ...(needsDatabase ? {
    globalSetup: '<rootDir>/src/testing/jest-global-setup.ts',
    globalTeardown: '<rootDir>/src/testing/jest-global-teardown.ts',
  } : {}),
  testTimeout: 180000,
  // validate.test.ts's CLI cases run the build (dist/), which Stryker's sandbox leaves out.
  ...(process.env.STRYKER_SCOPE === 'login' ? { testNamePattern: 'passes every check|logs in with|fails isolation' } : {}),
};
