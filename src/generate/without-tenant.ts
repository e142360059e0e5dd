import type { TenantPlan } from './compile-value';
import { hashString } from './keyed-random';
import { lazyTenantList } from './tenant-list';

/**
 * The key under which rows with no tenant on purpose (the profile's `withoutTenant`) are planned,
 * counted in the manifest and named in fixtures: not a slug a tenant may have (see plan.ts).
 */
export const WITHOUT_TENANT_KEY = 'no-tenant';

/**
 * The rows of a table that have no tenant on purpose (platform admins) are planned as the rows
 * of one more tenant, after the real ones, whose tenant column is NULL: their values are keyed
 * like any tenant's, references from them draw only rows that have no tenant either (each
 * table's count for it is its own `withoutTenant` count, 0 by default), and references from a
 * tenant's rows never reach them (a tenant draws its own rows only).
 */
export const WITHOUT_TENANT: TenantPlan = Object.freeze({
  index: -1,
  key: WITHOUT_TENANT_KEY,
  hash: hashString(`\0${WITHOUT_TENANT_KEY}`),
  scale: 1,
  id: '',
  withoutTenant: true,
});

/** Whether `tenant` stands for the rows without a tenant. */
export function isWithoutTenant(tenant: TenantPlan | undefined): boolean {
  return tenant?.withoutTenant === true;
}

/** The tenants of a table with rows without a tenant: the real ones, then {@link WITHOUT_TENANT} (lazily). */
export function withWithoutTenant(tenants: readonly TenantPlan[]): readonly TenantPlan[] {
  const n = tenants.length;
  return lazyTenantList(n + 1, (i) => (i < n ? tenants[i] : WITHOUT_TENANT));
}
