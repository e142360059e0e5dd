import { partitionsReadableWithoutSecurity, planDistribution, readRole, readTenantTablesCatalog, tablesWithColumns } from '../db';
import type { TenantTableCatalog } from '../db';
import { adviseTables, TableFacts } from './advice';
import { chainScoped } from './chain-tenant';
import type { CheckContext, CheckResult, Finding } from './types';

/** Every table of the owned schemas with a tenant column: the definitions' tenant columns, found in the catalog. */
export async function tenantTables(ctx: CheckContext): Promise<Array<{ table: string; tenantColumn: string }>> {
  const tenantColumns = [...new Set(ctx.definitions.tables.map((t) => t.tenantColumn).filter((c): c is string => Boolean(c)))];
  if (tenantColumns.length === 0) return [];
  return (await tablesWithColumns(ctx.knex, ctx.schemas, tenantColumns)).map((r) => ({ table: r.table, tenantColumn: r.column }));
}

/**
 * The proofs of a table's row security: without it, the table is open to the application role;
 * owned by a role the application uses, it is open to it unless forced.
 */
function rowSecurityFindings(table: string, catalog: Pick<TenantTableCatalog, 'security' | 'ownedByRole'>, appRole: string): Finding[] {
  if (!catalog.security.enabled) return [{ table, message: 'row-level security is not enabled' }];
  if (!catalog.security.forced && catalog.ownedByRole) return [{ table, message: `row-level security is not forced, and ${appRole} owns the table (or is a member of its owner): it reads every tenant` }];
  return [];
}

/**
 * `schema`: proves what the catalog alone proves: every tenant table (and chain table) has
 * row-level security enabled, and forced where a role the application uses owns it. The design
 * rules (policies as text, keys, indexes, forcing elsewhere) become advice (see ./advice), which
 * never fails.
 * Also reports Citus distribution readiness.
 */
export async function checkSchema(ctx: CheckContext): Promise<CheckResult> {
  const { knex } = ctx;
  const appRole = ctx.tenancy.appRole;
  const findings: Finding[] = [];
  const tables = await tenantTables(ctx);
  const citus: Record<string, string> = {};
  const facts: TableFacts[] = [];
  const catalog = await readTenantTablesCatalog(knex, ctx.schemas, tables, appRole);
  const tenantTableNames = new Set(tables.map((t) => t.table));
  for (const { table, tenantColumn } of tables) {
    const { security, ownedByRole: ownedByApplication, policies, keys, uniqueIndexesWithoutTenant, indexLedByTenant } = catalog.get(table)!;
    findings.push(...rowSecurityFindings(table, catalog.get(table)!, appRole));
    facts.push({ table, tenantColumn, security, ownedByApplication, policies, keys, uniqueIndexesWithoutTenant, indexLedByTenant, tenantTables: tenantTableNames });
  }
  // Chain tables (x-tenant-via) hold tenants' rows as much: the same two proofs (no advice on
  // keys or indexes, which have no tenant column to hold).
  const chains = chainScoped(ctx.definitions).map((t) => ({ table: t.table, tenantColumn: '' }));
  const chainCatalog = await readTenantTablesCatalog(knex, ctx.schemas, chains, appRole);
  for (const { table } of chains) findings.push(...rowSecurityFindings(table, chainCatalog.get(table)!, appRole));
  // A partition the application role may name directly is read without its parent's policies.
  for (const { partition, parent } of await partitionsReadableWithoutSecurity(knex, tables.map((t) => t.table), appRole)) {
    findings.push({ table: partition, message: `${appRole} may read the partition ${partition} of ${parent} directly, and it has no row-level security of its own: a query naming it skips the policies of ${parent} and sees every tenant's rows in it` });
  }
  const advice = adviseTables(facts);
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

  // A superuser or BYPASSRLS application role is refused before any check (validateDatabase).
  if (!(await readRole(knex, appRole))) findings.push({ message: `the application role ${appRole} does not exist` });
  return {
    name: 'schema',
    ok: findings.length === 0,
    details: {
      tables: tables.map((t) => t.table),
      summary: findings.length === 0
        ? `${tables.length} tenant tables under row-level security (forced where ${appRole} owns them)${advice.length ? `; ${advice.length} advice item(s)` : ', keyed and indexed by tenant'}`
        : `${findings.length} problem(s) in ${tables.length} tenant tables`,
      findings,
      hint: findings.length ? 'Fix the schema with a migration: ENABLE ROW LEVEL SECURITY on every tenant table, and FORCE it where a role the application uses owns the table; on a partition the application may name, ENABLE ROW LEVEL SECURITY with the parent\'s policies, or REVOKE its grants (docs/validate.md).' : undefined,
      citus,
    },
    advice,
  };
}
