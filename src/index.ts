/**
 * tenantseed's public API. Everything here is documented with an example in its module.
 *
 * @example
 * import { resolveDatabaseSource, openDatabase, createKnex, migrate } from 'tenantseed';
 * const db = await openDatabase(resolveDatabaseSource());
 * const knex = createKnex(db.target);
 * await migrate({ knex, action: 'latest' });
 * await knex.destroy(); await db.release();
 */
export * from './errors';
export {
  parseDatabaseUrl, describeDatabase, redactUrl, redactSecrets, passwordsIn, resolveDatabaseSource, assertEnvironmentName, silentLogger, EMBEDDED_DIR_NAME,
  resolveProjectConfig, readProjectConfig, shippedProjectConfig, configSchemaPath, CONFIG_FILE_NAME, CONFIG_FILE_NAMES, CONFIG_VARIABLE, DEFAULT_TENANCY, DEFAULT_SCHEMAS,
  defineConfig,
} from './config';
export type { DatabaseTarget, DatabaseSource, ResolveDatabaseSourceOptions, Logger, ProjectConfig, TenancyNames, MembershipRule, ResolveProjectConfigOptions, TenantseedConfig } from './config';
export {
  ensureBookkeeping, createKnex, openDatabase, assertReachable, migrate, migratorConfig, DirectoryMigrationSource,
  startEmbeddedServer, stopEmbeddedServer, embeddedServerStatus, embeddedServerTarget, withAdvisoryLock,
  readEnvironmentStamp, writeEnvironmentStamp, toDatabaseError, withTenant, isTenantId, quoteIdentifier, tenantContextStatements, assertSubjectToRls,
} from './db';
export type {
  CreateKnexOptions, OpenedDatabase, MigrateAction, MigrateOptions, MigrateResult, EmbeddedServer, EmbeddedServerStatus,
  EnvironmentStamp, MigrationModule, WithTenantOptions,
} from './db';
export {
  createTestDatabase, settleTestDatabases, pruneTestDatabases, startTestServer, createScratchDatabase, isContainerRuntimeAvailable, jestGlobalSetup, jestGlobalTeardown,
} from './testing';
export type { TestDatabase, CreateTestDatabaseOptions, Fixtures, TenantFixture, UserFixture, TestServer, ScratchDatabase, MakeOptions, TableRows, TableName, TypedNamedRow } from './testing';
export { validateDatabase, CHECK_NAMES } from './validate';
export type { ValidationReport, CheckResult, CheckName, ReportContext } from './validate';
export { addTenant, knexConfig, initProject } from './workflows';
export type { KnexConfigOptions, InitProjectOptions, InitProjectResult } from './workflows';
export { seedDatabase, resetDatabase, seedEnvironment, assertSafeToWrite, assertMayDestroy, devLogins } from './workflows';
export type { SeedOutcome, WriteDatasetOptions, SeedEnvironmentOptions, DevLogin } from './workflows';
export { loadDefinitions, loadProfile, listEnvironments } from './definitions';
export type { DefinitionSet, TableDefinition, Profile } from './definitions';
export { buildPlan, GENERATOR_VERSION, datasetKey, Fingerprint } from './generate';
export type { Plan, NamedRow } from './generate';
export { writeDatasetFiles, loadTables } from './load';
export type { WriteDatasetFilesResult, FileFormat } from './load';
export { renderReport, renderJunit, renderHtml, REPORT_FORMATS } from './report';
export type { ReportFormat } from './report';
