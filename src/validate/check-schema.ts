import { planDistribution } from '../db';
import type { CheckContext, CheckResult, Finding } from './types';

/** Every table of the owned schemas with a tenant column: the definitions' tenant columns, found in the catalog. */
export async function tenantTables(ctx: CheckContext): Promise<Array<{ table: string; tenantColumn: string }>> {
  const tenantColumns = [...new Set(ctx.definitions.tables.map((t) => t.tenantColumn).filter((c): c is string => Boolean(c)))];
  if (tenantColumns.length === 0) return [];
  const result = await ctx.knex.raw(
    `SELECT c.table_name AS table, c.column_name AS column FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema IN (SELECT jsonb_array_elements_text(?::jsonb)) AND c.column_name IN (SELECT jsonb_array_elements_text(?::jsonb)) ORDER BY 1`,
    [JSON.stringify(ctx.schemas), JSON.stringify(tenantColumns)],
  );
  return result.rows.map((r: { table: string; column: string }) => ({ table: r.table, tenantColumn: r.column }));
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
  const schemas = JSON.stringify(ctx.schemas);
  const findings: Finding[] = [];
  const tables = await tenantTables(ctx);
  const citus: Record<string, string> = {};
  for (const { table, tenantColumn } of tables) {
    const flags = (await knex.raw(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = to_regclass(quote_ident(?))`, [table])).rows[0];
    if (!flags.relrowsecurity) findings.push({ table, message: 'row-level security is not enabled' });
    if (!flags.relforcerowsecurity) findings.push({ table, message: 'row-level security is not forced (the table owner bypasses it)' });
    const policies = (await knex.raw(`SELECT policyname, cmd, permissive, qual, with_check FROM pg_policies WHERE schemaname IN (SELECT jsonb_array_elements_text(?::jsonb)) AND tablename = ?`, [schemas, table])).rows as Array<{ policyname: string; cmd: string; permissive: string; qual: string | null; with_check: string | null }>;
    const mentions = (expr: string | null) => expr !== null && expr.includes(tenantColumn) && expr.includes('current_setting');
    const reads = policies.some((p) => (p.cmd === 'ALL' || p.cmd === 'SELECT') && mentions(p.qual));
    const writes = policies.some((p) => (p.cmd === 'ALL' || p.cmd === 'INSERT') && (mentions(p.with_check) || (p.with_check === null && mentions(p.qual))));
    if (!reads) findings.push({ table, message: `no policy restricts reads to the current tenant (${tenantColumn} = current_setting(...))` });
    if (!writes) findings.push({ table, message: `no policy checks written rows against the current tenant (WITH CHECK on ${tenantColumn})` });
    const permissiveAll = policies.filter((p) => p.permissive === 'PERMISSIVE' && (p.qual === 'true' || p.with_check === 'true'));
    for (const p of permissiveAll) findings.push({ table, message: `policy ${p.policyname} lets every row through (true)` });
    const keys = (await knex.raw(
      `SELECT con.conname, con.contype, ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
              con.confrelid::regclass::text AS parent
         FROM pg_constraint con WHERE con.conrelid = to_regclass(quote_ident(?)) AND con.contype IN ('p', 'u', 'f')`,
      [table],
    )).rows as Array<{ conname: string; contype: string; columns: string[]; parent: string }>;
    const pk = keys.find((k) => k.contype === 'p');
    if (!pk) findings.push({ table, message: 'has no primary key' });
    else if (!pk.columns.includes(tenantColumn)) findings.push({ table, message: `primary key ${pk.conname} (${pk.columns.join(', ')}) lacks ${tenantColumn}` });
    for (const u of keys.filter((k) => k.contype === 'u' && !k.columns.includes(tenantColumn))) {
      findings.push({ table, message: `unique constraint ${u.conname} (${u.columns.join(', ')}) lacks ${tenantColumn}: it is unique across tenants` });
    }
    const uniqueIndexes = (await knex.raw(
      `SELECT i.indexrelid::regclass::text AS name FROM pg_index i
        WHERE i.indrelid = to_regclass(quote_ident(?)) AND i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) AND a.attname = ?)`,
      [table, tenantColumn],
    )).rows as Array<{ name: string }>;
    for (const u of uniqueIndexes) findings.push({ table, message: `unique index ${u.name} lacks ${tenantColumn}: it is unique across tenants` });
    const led = (await knex.raw(
      `SELECT count(*) AS n FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass(quote_ident(?)) AND a.attname = ?`,
      [table, tenantColumn],
    )).rows[0].n as number;
    if (led === 0) findings.push({ table, message: `no index starts with ${tenantColumn}` });
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

  const role = (await knex.raw(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ?`, [appRole])).rows[0];
  if (!role) findings.push({ message: `the application role ${appRole} does not exist` });
  else {
    if (role.rolsuper) findings.push({ message: `${appRole} is a superuser: row-level security does not apply to it` });
    if (role.rolbypassrls) findings.push({ message: `${appRole} has BYPASSRLS: row-level security does not apply to it` });
    const owned = (await knex.raw(`SELECT tablename FROM pg_tables WHERE tableowner = ? ORDER BY 1 LIMIT 5`, [appRole])).rows as Array<{ tablename: string }>;
    if (owned.length > 0) findings.push({ message: `${appRole} owns tables (owners bypass RLS unless it is forced, and may disable it)`, examples: owned.map((o) => o.tablename) });
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
