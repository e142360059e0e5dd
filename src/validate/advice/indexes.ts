import type { AdviceRule } from './types';

/** TS-I01: no index led by the tenant column. */
export const NO_TENANT_INDEX: AdviceRule = {
  id: 'TS-I01',
  title: 'no index led by the tenant column',
  severity: 'low',
  why: 'Every query of the application filters by the tenant (the policy adds it); without an index led by the tenant column it reads the whole table.',
  fix: 'CREATE INDEX ON the table (tenant column, ...), or lead an existing key with it.',
  check: (f) => (f.indexLedByTenant ? [] : [{ objects: [f.table], message: `no index starts with ${f.tenantColumn}` }]),
};
