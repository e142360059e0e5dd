export { validateDatabase } from './validate-database';
export type { ValidateDatabaseOptions } from './validate-database';
export { CHECK_NAMES } from './types';
export type { CheckName, CheckResult, Finding, ValidationReport } from './types';
