import type { Knex } from 'knex';
import { migrationLedgerOf, tenantContextStatements } from '../db';
import type { CheckContext, Finding } from './types';
import { ident } from './types';

/** Thrown to end the shared-table probes' transaction: everything they did is rolled back. */
const ROLL_BACK = new Error('tenantseed shared-table probes: roll back');

/**
 * The tables of the project's schemas the application role may SELECT (granted to it, to PUBLIC
 * or to a role it belongs to: `has_table_privilege`), partitions left out (their parent is read).
 */
export async function readableTables(knex: Knex, schemas: readonly string[], appRole: string): Promise<string[]> {
  const rows = (await knex.raw(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY(?) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
        AND has_table_privilege(?, c.oid, 'SELECT')
      ORDER BY 1`,
    [schemas as string[], appRole],
  )).rows as Array<{ name: string }>;
  return rows.map((r) => r.name);
}

/**
 * No table silently shared: every table the application role can read is a tenant table (the
 * isolation probes prove it), the tenant root (each tenant sees its own row only), declared
 * shared (`x-global: true` in its definition, or `validate.shared` of the config), or a migration
 * tool's ledger (migration names, no tenant's data). Any other readable table is a finding naming
 * it and how many rows each probed tenant sees, as does a root table that shows a tenant others' rows.
 */
export async function probeUndeclaredTables(ctx: CheckContext, probed: readonly string[], tenants: readonly string[]): Promise<{ findings: Finding[]; shared: string[] }> {
  const declared = [...ctx.definitions.tables.filter((t) => t.global).map((t) => t.table), ...ctx.shared.map((s) => s.table)];
  const root = ctx.definitions.tenantRoot;
  const readable = await readableTables(ctx.knex, ctx.schemas, ctx.tenancy.appRole);
  const undeclared = readable.filter((t) => !probed.includes(t) && !declared.includes(t) && t !== root?.table && !migrationLedgerOf(t));
  const findings: Finding[] = [];
  const rootReadable = root && readable.includes(root.table);
  const shared = [...declared.filter((t) => readable.includes(t)), ...readable.filter((t) => migrationLedgerOf(t) && !declared.includes(t))];
  if (undeclared.length === 0 && !rootReadable) return { findings, shared };
  const seen = new Map<string, string[]>(undeclared.map((t) => [t, []]));
  await ctx.knex.transaction(async (trx) => {
    for (const tenant of tenants) {
      await trx.raw('SAVEPOINT tenantseed_shared');
      for (const statement of tenantContextStatements(ctx.tenancy, tenant)) await trx.raw(statement);
      for (const table of undeclared) {
        const n = await countRows(trx, `SELECT count(*)::int AS n FROM ${ident(table)}`, []);
        seen.get(table)!.push(`${tenant} sees ${n ?? 'an error reading'}${n === undefined ? '' : ' row(s)'}`);
      }
      if (rootReadable) {
        const n = await countRows(trx, `SELECT count(*)::int AS n FROM ${ident(root.table)} WHERE ${ident(root.idColumn)}::text IS DISTINCT FROM ?`, [tenant]);
        if (n) findings.push({ table: root.table, tenant, message: `the tenant root shows tenant ${tenant} ${n} row(s) of other tenants` });
      }
      await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_shared');
    }
    throw ROLL_BACK;
  }).catch((err) => {
    if (err !== ROLL_BACK) throw err;
  });
  for (const [table, counts] of seen) {
    findings.push({ table, message: `${ctx.tenancy.appRole} can read it, but it is neither a tenant table nor declared shared ("x-global": true in its definition, or validate.shared in the config): ${counts.join(', ')}` });
  }
  return { findings, shared };
}

async function countRows(trx: Knex.Transaction, sql: string, bindings: string[]): Promise<number | undefined> {
  await trx.raw('SAVEPOINT tenantseed_shared_count');
  try {
    return Number((await trx.raw(sql, bindings)).rows[0].n);
  } catch {
    return undefined;
  } finally {
    await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_shared_count');
  }
}
