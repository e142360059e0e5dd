export { parseDatabaseUrl, describeDatabase, redactUrl, redactSecrets, passwordsIn } from './database-url';
export type { DatabaseTarget } from './database-url';
export { resolveDatabaseSource, EMBEDDED_DIR_NAME } from './resolve-database-source';
export type { DatabaseSource, ResolveDatabaseSourceOptions } from './resolve-database-source';
export { assertEnvironmentName } from './environment-name';
export type { Logger } from './logger';
export { silentLogger } from './logger';
export { packageRoot } from './package-paths';
export {
  resolveProjectConfig, readProjectConfig, findConfigFile, shippedProjectConfig, configSchemaPath,
  CONFIG_FILE_NAME, CONFIG_FILE_NAMES, CONFIG_VARIABLE, DEFAULT_TENANCY, DEFAULT_SCHEMAS,
} from './project-config';
export { defineConfig } from './define-config';
export type { TenantseedConfig } from './define-config';
export type { ProjectConfig, TenancyNames, MembershipRule, ResolveProjectConfigOptions } from './project-config';
