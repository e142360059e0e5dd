import type { Knex } from 'knex';
import { migrationLedgerOf, requoteName } from '../db';
import { probeContextStatements } from './context-identity';
import type { CheckContext, Finding } from './types';
import { ident } from './types';

/** Thrown to end the shared-table probes' transaction: everything they did is rolled back. */
const ROLL_BACK = new Error('tenantseed shared-table probes: roll back');

/**
 * The tables of the project's schemas the application role may SELECT (granted to it, to PUBLIC
 * or to a role it belongs to: `has_table_privilege`), partitions left out (their parent is read),
 * and so are an extension's own tables and views (Citus's `citus_tables`, PostGIS's
 * `spatial_ref_sys`): the extension's metadata, not the application's data.
 */
export async function readableTables(knex: Knex, schemas: readonly string[], appRole: string): Promise<string[]> {
  const rows = (await knex.raw(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY(?) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
        AND has_table_privilege(?, c.oid, 'SELECT')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
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
  // Probed where the role may read the root, or write it: `UPDATE tenants SET name = ...` reads
  // no column, so UPDATE alone (without SELECT) reaches every row an UPDATE policy of USING (true) shows.
  const rootProbed = root && (readable.includes(root.table) || await writable(ctx, root.table));
  const shared = [...declared.filter((t) => readable.includes(t)), ...readable.filter((t) => migrationLedgerOf(t) && !declared.includes(t))];
  if (undeclared.length === 0 && !rootProbed) return { findings, shared };
  const seen = new Map<string, string[]>(undeclared.map((t) => [t, []]));
  const rootIdType = root ? requoteName((await ctx.knex.raw(
    `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = ? AND n.nspname = ANY(?) AND a.attname = ? LIMIT 1`,
    [root.table, ctx.schemas as string[], root.idColumn],
  )).rows[0]?.type ?? 'text') : 'text';
  await ctx.knex.transaction(async (trx) => {
    for (const tenant of tenants) {
      await trx.raw('SAVEPOINT tenantseed_shared');
      for (const statement of probeContextStatements(ctx, tenant)) await trx.raw(statement);
      for (const table of undeclared) {
        const n = await countRows(trx, `SELECT count(*)::int AS n FROM ${ident(table)}`, []);
        seen.get(table)!.push(`${tenant} sees ${n ?? 'an error reading'}${n === undefined ? '' : ' row(s)'}`);
      }
      if (rootProbed) {
        const n = await countRows(trx, `SELECT count(*)::int AS n FROM ${ident(root.table)} WHERE ${ident(root.idColumn)}::text IS DISTINCT FROM ?`, [tenant]);
        if (n) findings.push({ table: root.table, tenant, message: `the tenant root shows tenant ${tenant} ${n} row(s) of other tenants` });
        // Another tenant's root row: an UPDATE or DELETE of it touches nothing (refused or hidden:
        // both fine); 23503 means the DELETE reached it (its tenant's rows reference it). And an
        // UPDATE without WHERE that sets the tenant's own id (reading no column, so an UPDATE
        // policy of USING (true) shows) touches its own row only: 23505 means it reached another.
        const other = tenants[(tenants.indexOf(tenant) + 1) % tenants.length];
        const id = ident(root.idColumn);
        const t = ident(root.table);
        for (const sql of [`UPDATE ${t} SET ${id} = ${id} WHERE ${id}::text = ?`, `DELETE FROM ${t} WHERE ${id}::text = ?`]) {
          const touched = await writeCount(trx, sql, [other]);
          if (touched.rowCount || touched.code === '23503') findings.push({ table: root.table, tenant, message: `${sql.split(' ')[0]} of tenant ${other}'s root row ${touched.rowCount ? `touched ${touched.rowCount} row(s)` : 'reached it (it failed with 23503: its rows reference it)'}` });
        }
        const all = await writeCount(trx, `UPDATE ${t} SET ${id} = CAST(? AS ${rootIdType})`, [tenant]);
        if ((all.rowCount ?? 0) > 1 || all.code === '23505') findings.push({ table: root.table, tenant, message: `an UPDATE of the tenant root without WHERE ${all.code ? 'reached other tenants\' rows (it failed with 23505 setting its own id)' : `touched ${all.rowCount} row(s)`}` });
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

/** Whether the application role may UPDATE or DELETE in `table` (granted, to PUBLIC or through a role). */
async function writable(ctx: CheckContext, table: string): Promise<boolean> {
  const row = (await ctx.knex.raw(
    `SELECT bool_or(has_table_privilege(?, c.oid, 'UPDATE') OR has_table_privilege(?, c.oid, 'DELETE')) AS w
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ? AND n.nspname = ANY(?)`,
    [ctx.tenancy.appRole, ctx.tenancy.appRole, table, ctx.schemas as string[]],
  )).rows[0] as { w: boolean | null };
  return row.w === true;
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

/** What a write did (rolled back): the rows it touched, or the code it failed with. */
async function writeCount(trx: Knex.Transaction, sql: string, bindings: string[]): Promise<{ rowCount?: number; code?: string }> {
  await trx.raw('SAVEPOINT tenantseed_shared_count');
  try {
    return { rowCount: (await trx.raw(sql, bindings)).rowCount ?? 0 };
  } catch (err) {
    return { code: (err as { code?: string }).code ?? 'error' };
  } finally {
    await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_shared_count');
  }
}
