export { startTestServer, testEmbeddedDataDir, TEST_CONTAINER_IMAGE } from './test-server';
export type { TestServer, TestServerKind, TestServerStarters, StartTestServerOptions } from './test-server';
export { isContainerRuntimeAvailable } from './container-runtime';
export type { ContainerRuntimeCheckOptions } from './container-runtime';
export { createScratchDatabase, withDatabaseName, runOnServer } from './scratch-database';
export type { ScratchDatabase, CreateScratchDatabaseOptions } from './scratch-database';
export { default as jestGlobalSetup, globalTeardown as jestGlobalTeardown, TEST_SERVER_URL_VARIABLE } from './jest-global-setup';
export { createTestDatabase } from './create-test-database';
export type { CreateTestDatabaseOptions, TestDatabase, Fixtures, TenantFixture, UserFixture } from './create-test-database';
