export { validateDatabase } from './validate-database';
export type { ValidateDatabaseOptions } from './validate-database';
export { CHECK_NAMES } from './types';
export type { Advice, AcceptedRule, CheckName, CheckResult, Finding, ValidationReport, ReportContext } from './types';
export type { DescribeDatabaseOptions } from './report-context';
export { ADVICE_RULES } from './advice';
export type { AdviceRule, AdviceSeverity } from './advice';
export { compareDistributions, statisticsCdf, FIDELITY_LIMITS, COMPARED_QUANTILES } from './compare-distributions';
export type { FidelityReport, ColumnFidelity, CountFidelity } from './compare-distributions';
