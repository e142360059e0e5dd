import {
  hasIndexLedBy, planDistribution, quotedNameText, readPolicies, readRole, readRowSecurity, readTableKeys, tablesOwnedBy, tablesWithColumns, uniqueIndexesWithout,
} from '../db';
import type { CheckContext, CheckResult, Finding } from './types';

/** Every table of the owned schemas with a tenant column: the definitions' tenant columns, found in the catalog. */
export async function tenantTables(ctx: CheckContext): Promise<Array<{ table: string; tenantColumn: string }>> {
  const tenantColumns = [...new Set(ctx.definitions.tables.map((t) => t.tenantColumn).filter((c): c is string => Boolean(c)))];
  if (tenantColumns.length === 0) return [];
  return (await tablesWithColumns(ctx.knex, ctx.schemas, tenantColumns)).map((r) => ({ table: r.table, tenantColumn: r.column }));
}

/**
 * `schema`: every tenant table has RLS enabled and forced, a policy on the tenant for reads and
 * writes, an index led by the tenant column, the tenant column in its primary and unique
 * keys; the application role has no bypass, is no superuser and owns nothing. Also reports
 * Citus distribution readiness (informational).
 */
export async function checkSchema(ctx: CheckContext): Promise<CheckResult> {
  const { knex } = ctx;
  const appRole = ctx.tenancy.appRole;
  const findings: Finding[] = [];
  const tables = await tenantTables(ctx);
  const citus: Record<string, string> = {};
  for (const { table, tenantColumn } of tables) {
    const security = await readRowSecurity(knex, table);
    if (!security.enabled) findings.push({ table, message: 'row-level security is not enabled' });
    if (!security.forced) findings.push({ table, message: 'row-level security is not forced (the table owner bypasses it)' });
    const policies = await readPolicies(knex, ctx.schemas, table);
    // The expression spells the column as SQL does: "a""b" for a"b.
    const mentions = (expr: string | null) => expr !== null && (expr.includes(tenantColumn) || expr.includes(quotedNameText(tenantColumn))) && expr.includes('current_setting');
    const reads = policies.some((p) => (p.command === 'ALL' || p.command === 'SELECT') && mentions(p.using));
    const writes = policies.some((p) => (p.command === 'ALL' || p.command === 'INSERT') && (mentions(p.withCheck) || (p.withCheck === null && mentions(p.using))));
    if (!reads) findings.push({ table, message: `no policy restricts reads to the current tenant (${tenantColumn} = current_setting(...))` });
    if (!writes) findings.push({ table, message: `no policy checks written rows against the current tenant (WITH CHECK on ${tenantColumn})` });
    const permissiveAll = policies.filter((p) => p.permissive === 'PERMISSIVE' && (p.using === 'true' || p.withCheck === 'true'));
    for (const p of permissiveAll) findings.push({ table, message: `policy ${p.name} lets every row through (true)` });
    const keys = await readTableKeys(knex, table);
    const pk = keys.find((k) => k.kind === 'p');
    if (!pk) findings.push({ table, message: 'has no primary key' });
    else if (!pk.columns.includes(tenantColumn)) findings.push({ table, message: `primary key ${pk.name} (${pk.columns.join(', ')}) lacks ${tenantColumn}` });
    for (const u of keys.filter((k) => k.kind === 'u' && !k.columns.includes(tenantColumn))) {
      findings.push({ table, message: `unique constraint ${u.name} (${u.columns.join(', ')}) lacks ${tenantColumn}: it is unique across tenants` });
    }
    for (const name of await uniqueIndexesWithout(knex, table, tenantColumn)) findings.push({ table, message: `unique index ${name} lacks ${tenantColumn}: it is unique across tenants` });
    if (!(await hasIndexLedBy(knex, table, tenantColumn))) findings.push({ table, message: `no index starts with ${tenantColumn}` });
  }
  // Citus: on a coordinator, how each table is held (a tenant table not distributed by its
  // tenant column in the one co-location group is a finding); elsewhere, whether it could be,
  // by the same plan `tenantseed distribute` follows.
  const plan = await planDistribution(knex, ctx.schemas, new Map(tables.map((t) => [t.table, t.tenantColumn])));
  const anchorGroup = plan.tables.find((t) => t.table.qualified === plan.anchor)?.table.colocationId;
  for (const t of plan.tables) {
    const { table } = t;
    if (ctx.distribution) {
      citus[table.name] = table.method === 'distributed' ? `distributed by ${table.column}, co-location group ${table.colocationId}`
        : table.method === 'reference' ? 'reference table' : table.method === 'citus-local' ? 'citus local table (on the coordinator only)' : 'local (not distributed)';
      if (t.target === 'distributed' && !(table.method === 'distributed' && table.column === t.column && table.colocationId === anchorGroup)) {
        findings.push({ table: table.name, message: `is not distributed by ${t.column} in the tenant tables' co-location group (${citus[table.name]}): run \`tenantseed distribute\`` });
      }
    } else {
      citus[table.name] = t.blockers.length > 0 ? `blocked: ${t.blockers.join('; ')}` : t.target === 'distributed' ? `distributable by ${t.column}` : 'reference table (no tenant column)';
    }
  }

  const role = await readRole(knex, appRole);
  if (!role) findings.push({ message: `the application role ${appRole} does not exist` });
  else {
    if (role.superuser) findings.push({ message: `${appRole} is a superuser: row-level security does not apply to it` });
    if (role.bypassRls) findings.push({ message: `${appRole} has BYPASSRLS: row-level security does not apply to it` });
    const owned = await tablesOwnedBy(knex, appRole, 5);
    if (owned.length > 0) findings.push({ message: `${appRole} owns tables (owners bypass RLS unless it is forced, and may disable it)`, examples: owned });
  }
  return {
    name: 'schema',
    ok: findings.length === 0,
    details: {
      tables: tables.map((t) => t.table),
      summary: findings.length === 0 ? `${tables.length} tenant tables isolated by forced RLS, keyed and indexed by tenant` : `${findings.length} problem(s) in ${tables.length} tenant tables`,
      findings,
      hint: findings.length ? 'Fix the schema with a migration: RLS enabled and forced, a tenant policy with USING and WITH CHECK, the tenant column first in keys and indexes (docs/schema.md).' : undefined,
      citus,
    },
  };
}
