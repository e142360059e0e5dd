export { buildPlan, GENERATOR_VERSION } from './plan';
export type { Plan, BuildPlanOptions, NamedRow } from './plan';
export { TablePlan } from './table-plan';
export type { Row } from './table-plan';
export type { TenantPlan } from './compile-value';
export { copyTextLine, copyTextValue } from './copy-text';
export { Fingerprint } from './fingerprint';
export { FakerPools, POOL_SIZE } from './pools';
export { keyedUuid, namedUuid, hashString, KeyedRandom } from './keyed-random';
