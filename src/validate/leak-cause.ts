import type { Knex } from 'knex';
import { readTenantTablesCatalog } from '../db';
import { readApplicablePolicies } from './bypass-discovery';
import type { CheckContext } from './types';
import { ident } from './types';

/**
 * Where a tenant's view of a table lets other tenants' rows in: `foreign` is a condition over the
 * table as alias `c` that holds for a row of another tenant (its bindings after it).
 */
export interface LeakProbe {
  readonly table: string;
  readonly tenant: string;
  readonly foreign: string;
  readonly bindings: readonly string[];
}

/**
 * Why the tenant sees other tenants' rows in the table, as the isolation finding names it: the
 * project's context call that set another tenant than the one it was given; row-level security
 * disabled (or not forced on a table the application role owns); or the permissive policies that
 * apply to the application role (to PUBLIC, to it, or to a role granted to it) and admit those
 * rows, each tried alone on them. Runs on `trx`, which acts as the application role with the
 * tenant's context set, each query in a savepoint; undefined when nothing of these explains it.
 *
 * @example
 * await leakCause(trx, ctx, { table: 'documents', tenant: acme, foreign: 'c."tenant_id"::text IS DISTINCT FROM ?', bindings: [acme] });
 * // 'policy open_read (to PUBLIC) admits 90 of them: USING (true)'
 */
export async function leakCause(trx: Knex.Transaction, ctx: CheckContext, probe: LeakProbe): Promise<string | undefined> {
  const { appRole } = ctx.tenancy;
  const ignored = await contextIgnored(trx, ctx, probe.tenant);
  if (ignored) return ignored;
  const catalog = await inSavepoint(trx, () => readTenantTablesCatalog(trx, ctx.schemas, [{ table: probe.table, tenantColumn: '' }], appRole));
  const security = catalog?.get(probe.table);
  if (security && !security.security.enabled) return 'row-level security is disabled on it';
  if (security && !security.security.forced && security.ownedByRole) return `${appRole} owns it and row-level security is not forced`;
  const policies = (await inSavepoint(trx, () => readApplicablePolicies(trx, ctx.schemas, appRole)) ?? [])
    .filter((p): p is typeof p & { using: string } => p.table === probe.table && p.permissive && p.using !== undefined);
  const admitting: string[] = [];
  for (const p of policies) {
    const t = ident(probe.table);
    // The policy's expression names the table's columns unqualified or by the table's name, so
    // it is read over the table itself; the foreign rows are picked by their ctid.
    const n = await inSavepoint(trx, async () => Number((await trx.raw(
      `SELECT count(*)::int AS n FROM ${t} WHERE (${p.using}) AND ctid IN (SELECT c.ctid FROM ${t} c WHERE ${probe.foreign})`, [...probe.bindings],
    )).rows[0].n));
    if (n) admitting.push(`policy ${p.policy} (to ${(p.roles ?? ['PUBLIC']).join(', ')}) admits ${n} of them: USING ${p.using.startsWith('(') ? p.using : `(${p.using})`}`);
  }
  return admitting.length ? admitting.join('; ') : undefined;
}

/**
 * Whether the project's context call (`tenancy.setContext`), just made on `trx` for `tenant`,
 * left the tenant setting at another value: the cause named when that tenant then sees other
 * tenants' rows, or not its own. Undefined without a context call, or when it set the tenant.
 *
 * @example
 * await contextIgnored(trx, ctx, acme);
 * // "tenancy.setContext (select set_org($1)) ignores the tenant it is given: called for <acme>, it left app.org = '<other>'"
 */
export async function contextIgnored(trx: Knex.Transaction, ctx: CheckContext, tenant: string): Promise<string | undefined> {
  const { setContext, setting } = ctx.tenancy;
  if (!setContext) return undefined;
  const set = await inSavepoint(trx, async () => (await trx.raw('SELECT current_setting(?, true) AS v', [setting])).rows[0].v as string | null);
  if (set === undefined || (set ?? '') === tenant) return undefined;
  return `tenancy.setContext (${setContext}) ignores the tenant it is given: called for ${tenant}, it left ${setting} ${set ? `= '${set}'` : 'unset'}`;
}

/** Runs `read` in a savepoint of its own: undefined when it fails, and the transaction goes on. */
async function inSavepoint<T>(trx: Knex.Transaction, read: () => Promise<T>): Promise<T | undefined> {
  await trx.raw('SAVEPOINT tenantseed_leak_cause');
  try {
    return await read();
  } catch {
    return undefined;
  } finally {
    await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_leak_cause');
  }
}
