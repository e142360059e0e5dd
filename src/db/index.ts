export { createKnex, assertReachable, openDatabase, freshClient, CONNECT_TIMEOUT_MS, TENANTSEED_TYPES } from './connect';
export type { CreateKnexOptions, OpenedDatabase, OpenDatabaseOptions } from './connect';
export {
  startEmbeddedServer, stopEmbeddedServer, embeddedServerStatus, embeddedServerTarget, embeddedBinDir,
  DEFAULT_EMBEDDED_PORT, EMBEDDED_DATABASE,
} from './embedded-server';
export type { EmbeddedServer, EmbeddedServerStatus, StartEmbeddedServerOptions } from './embedded-server';
export { migrate, migratorConfig } from './migrate';
export type { MigrateAction, MigrateOptions, MigrateResult } from './migrate';
export { DirectoryMigrationSource } from './migration-source';
export type { MigrationModule } from './migration-source';
export { withAdvisoryLock, advisoryLockKey, ADVISORY_LOCK_CLASS } from './advisory-lock';
export type { AdvisoryLockOptions } from './advisory-lock';
export { ensureBookkeeping, readEnvironmentStamp, writeEnvironmentStamp, readLatestManifest, redateLatestManifest, writeManifest, BOOKKEEPING_SCHEMA, WITHOUT_TENANT_COUNT } from './bookkeeping';
export type { EnvironmentStamp, SeedManifest } from './bookkeeping';
export { toDatabaseError } from './to-database-error';
export { withTenant, isTenantId, tenantContextStatements, assertSubjectToRls, firstMember } from './with-tenant';
export type { WithTenantOptions } from './with-tenant';
export { readSettings, readPolicyComparisons, findContextSetters, groupEnd, DEFAULT_FUNCTION_DEPTH } from './read-policy';
export type { SnapshotFunction, SettingsRead, PolicyComparison, ContextSetter } from './read-policy';
export { readMembershipChecks, reachableFunctions } from './read-membership';
export type { MembershipCheck, SessionIdentity } from './read-membership';
export { checkLoaderRole } from './loader-role';
export type { LoaderRole } from './loader-role';
export { quoteIdentifier, quotedNameText, quoteQualifiedName, requoteName, queryRows, quoteLiteral, quoteSettingName } from './sql';
export type { Queryable } from './sql';
export { readTable, readTables, tableExists, listSchemaObjects, tableContents, COUNT_LIMIT, schemaAccess, readSchemaSnapshot, readMadeRows, referencesFromOutside,
  citusStatus, readDistribution, readForeignKeys, readUniqueKeys, readUniqueKeysOf, columnExists, readColumnNamesOf, useSequentialShardAccess,
  tablesWithColumns, partitionsReadableWithoutSecurity, readPolicies, readRole, readRoleLoginSettings, tablesOwnedBy,
  readRebuildableConstraints, readFunctions, readTenantTablesCatalog,
} from './catalog';
export type {
  CatalogColumn, CatalogTable, SchemaObject, TableContents, SchemaSnapshot, SnapshotTable, SnapshotColumn, SnapshotConstraint, SnapshotUniqueIndex, SnapshotPolicy, SnapshotRole, IncomingReference,
  CitusStatus, TableDistribution, ForeignKeyInfo, TablePolicy, TableKey, RebuildableConstraints, TenantTableCatalog,
} from './catalog';
export { planDistribution } from './distribution-plan';
export type { DistributionPlan, DistributionTarget } from './distribution-plan';
export { lockTablesAtOnce, DEFAULT_LOCK_WAIT_MS } from './lock-tables';
export type { LockTablesOptions, LockQuery } from './lock-tables';
export { snapshotSchemaObjects, recordMadeObjects, findForeignObjects, describeForeignObjects } from './made-objects';
export type { ObjectSnapshot, ForeignObject, ForeignObjects } from './made-objects';
export { cloneDatabase, copyDatabaseSettings, copyRoleDatabaseSettings, withDatabaseName } from './clone-database';
export { takeNameLock, namesInUse, NAME_LOCK_CLASS } from './name-lock';
export type { CloneDatabaseOptions, ServerClient } from './clone-database';
export { MIGRATION_TOOL_TABLES, migrationLedgerOf } from './migration-ledgers';
export { readSourceStatistics, countQuantiles, QUANTILE_POINTS, MIN_CATEGORY_ROWS, MAX_CATEGORIES } from './read-source-statistics';
export type {
  SourceStatistics, StatisticsRequest, StatisticsTable, StatisticsColumn, StatisticsReference, ColumnStatistics, CountDistribution, StatisticsRead, Category, JsonKey,
} from './read-source-statistics';
