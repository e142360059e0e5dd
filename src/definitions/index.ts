export { loadDefinitions, checkDefinitionSchemas, pointerToken, referenceableColumn, referenceText, splitReference } from './load-definitions';
export type { LoadDefinitionsOptions } from './load-definitions';
export { loadProfile, listEnvironments } from './load-profile';
export { createAjv, compiledValidator, schemaErrorsText } from './ajv';
export { DEFINITION_META_SCHEMA, IDENTIFIER_SCHEMA, PROFILE_SCHEMA } from './meta-schema';
export { publishedSchemas } from './published-schemas';
export type {
  SchemaNode, GeneratorSpec, DistributionSpec, DateRankSpec, ColumnDefinition, CountSpec, TableDefinition, DefinitionSet, NamedTenant, SizeClass, Profile, CheckExpression,
} from './types';
export { checkGeneratorKeywords, HONOURED_KEYWORDS, HONOURED_FORMATS } from './generator-keywords';
export { chainTables, isTenantScoped, referencedTables, tenantChain } from './tenant-chain';
export type { ChainHop } from './tenant-chain';
export { definitionTypes, FIXTURE_TYPES_KEY, isUserTable } from './typescript-types';
