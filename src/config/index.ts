export { parseDatabaseUrl, describeDatabase, redactUrl } from './database-url';
export type { DatabaseTarget } from './database-url';
export { resolveDatabaseSource, EMBEDDED_DIR_NAME } from './resolve-database-source';
export type { DatabaseSource, ResolveDatabaseSourceOptions } from './resolve-database-source';
export { assertEnvironmentName } from './environment-name';
export type { Logger } from './logger';
export { silentLogger } from './logger';
export { packageRoot, shippedDefinitionsDir, shippedEnvironmentsDir } from './package-paths';
