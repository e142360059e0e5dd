export { seedDatabase, loadDataset, SEED_LOCK } from './seed-database';
export type { WriteDatasetOptions, SeedOutcome } from './seed-database';
export { resetDatabase } from './reset-database';
export { assertSafeToWrite, refuseProduction, PRODUCTION } from './safety';
export type { SafetyInput } from './safety';
export { devLogins } from './dev-logins';
export type { DevLogin } from './dev-logins';
export { seedEnvironment } from './seed-environment';
export type { SeedEnvironmentOptions } from './seed-environment';
