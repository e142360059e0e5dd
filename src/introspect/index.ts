export { draftProject, existingRowColumns, STARTER_COUNT } from './draft-project';
export type { ProjectDraft, DraftProjectOptions } from './draft-project';
export { inferTenancy, readPolicySetting, MIGRATION_TOOL_TABLES } from './infer-tenancy';
export type { Finding, Tenancy, InferTenancyOptions } from './infer-tenancy';
export { readCheck, toJavaScriptPattern } from './read-check';
export type { CheckFacts, CheckReading } from './read-check';
export { draftColumnSchema } from './column-schema';
export type { DraftNode, ColumnContext } from './column-schema';
