import { quoteLiteral, readForeignKeys, tableExists } from '../db';
import { chainReferences, rowTenantSql } from './chain-tenant';
import type { CheckContext, CheckResult, Finding } from './types';
import { ident } from './types';

interface Reference {
  table: string;
  columns: string[];
  parent: string;
  parentColumns: string[];
  name: string;
  /** Declared in the catalog (NOT VALID or with disabled triggers included), or only in the definitions. */
  declared: boolean;
}

/** Foreign keys held by the tables of the owned schemas, tables by name (as on the search_path). */
async function declaredReferences(ctx: CheckContext): Promise<Reference[]> {
  return (await readForeignKeys(ctx.knex, ctx.schemas)).filter((fk) => ctx.schemas.includes(fk.tableSchema)).map((fk) => ({
    table: fk.tableName, columns: [...fk.columns], parent: fk.referencesName, parentColumns: [...fk.refColumns], name: fk.name, declared: true,
  }));
}

/**
 * References the definitions declare (x-ref), by id alone: whether the row exists. Whether it
 * belongs to the same tenant is the tenant-consistency check's question.
 */
function definedReferences(ctx: CheckContext): Reference[] {
  const refs: Reference[] = [];
  for (const table of ctx.definitions.tables) {
    for (const column of table.columns) {
      if (!column.ref) continue;
      const parent = ctx.definitions.byName.get(column.ref.table)!;
      refs.push({
        table: table.table,
        columns: [column.name],
        parent: parent.table,
        parentColumns: [column.ref.column],
        name: `${table.table}.${column.name} -> ${column.ref.table}.${column.ref.column} (definition)`,
        declared: false,
      });
    }
  }
  return refs;
}

async function exists(ctx: CheckContext, table: string): Promise<boolean> {
  return tableExists(ctx.knex, table);
}

/**
 * Runs a check's anti-joins with nested loops off, in a transaction of their own. Right after a
 * seed the tables have no statistics yet (seed leaves ANALYZE to autovacuum), and the planner
 * then probes the composite (tenant, id) key once per child row: 250 s instead of 0.1 s for
 * the staging dataset's documents on PostgreSQL 15. A hash anti-join reads each table once.
 */
function withHashJoins<T>(ctx: CheckContext, fn: (ctx: CheckContext) => Promise<T>): Promise<T> {
  return ctx.knex.transaction(async (trx) => {
    // Inside validate's snapshot this is a savepoint, whose SET LOCAL outlives its release:
    // the setting is put back for the checks that follow.
    const before = (await trx.raw('SHOW enable_nestloop')).rows[0].enable_nestloop as string;
    await trx.raw('SET LOCAL enable_nestloop = off');
    try {
      return await fn({ ...ctx, knex: trx as unknown as CheckContext['knex'] });
    } finally {
      await trx.raw(`SELECT set_config('enable_nestloop', ?, true)`, [before]);
    }
  });
}

/**
 * On Citus, a join of two distributed tables runs only on their distribution columns. A
 * reference by id alone between two tenant tables is then checked in two steps: rows whose
 * parent is missing **in their own tenant** (a co-located anti-join, pushed down to every
 * shard), then, for those, whether the id exists in another tenant (a lookup by id). Orphans
 * are those found nowhere; cross-tenant references those found elsewhere.
 */
function distributedApart(ctx: CheckContext, child: string, childColumns: readonly string[], parent: string, parentColumns: readonly string[]): { childTenant: string; parentTenant: string } | undefined {
  const c = ctx.distribution?.get(child);
  const p = ctx.distribution?.get(parent);
  if (!c || !p || c.method !== 'distributed' || p.method !== 'distributed' || childColumns.length !== 1) return undefined;
  const at = childColumns.indexOf(c.column!);
  if (at >= 0 && parentColumns[at] === p.column) return undefined;
  return { childTenant: c.column!, parentTenant: p.column! };
}

/** Up to this many rows that miss their parent in their own tenant are classified. */
const MISS_SAMPLE = 1000;

interface Miss { total: number; rows: Array<{ tenant: string; id: string; value: string }>; elsewhere: Map<string, string> }

async function missesInOwnTenant(ctx: CheckContext, child: string, column: string, childId: string, parent: string, parentColumn: string, tenants: { childTenant: string; parentTenant: string }): Promise<Miss> {
  const rows = (await ctx.knex.raw(
    `SELECT count(*) OVER () AS total, c.${ident(tenants.childTenant)}::text AS tenant, c.${ident(childId)}::text AS id, c.${ident(column)}::text AS value
       FROM ${ident(child)} c
      WHERE c.${ident(column)} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${ident(parent)} p WHERE p.${ident(tenants.parentTenant)} = c.${ident(tenants.childTenant)} AND p.${ident(parentColumn)} = c.${ident(column)})
      LIMIT ${MISS_SAMPLE}`,
  )).rows as Array<{ total: string; tenant: string; id: string; value: string }>;
  const elsewhere = new Map<string, string>();
  if (rows.length > 0) {
    const found = (await ctx.knex.raw(
      `SELECT p.${ident(parentColumn)}::text AS value, min(p.${ident(tenants.parentTenant)}::text) AS tenant FROM ${ident(parent)} p WHERE p.${ident(parentColumn)}::text = ANY(?::text[]) GROUP BY 1`,
      [[...new Set(rows.map((r) => r.value))]],
    )).rows as Array<{ value: string; tenant: string }>;
    for (const f of found) elsewhere.set(f.value, f.tenant);
  }
  return { total: rows.length > 0 ? Number(rows[0].total) : 0, rows, elsewhere };
}

export function checkForeignKeys(ctx: CheckContext): Promise<CheckResult> {
  return withHashJoins(ctx, foreignKeys);
}

export function checkTenantConsistency(ctx: CheckContext): Promise<CheckResult> {
  return withHashJoins(ctx, tenantConsistency);
}

/**
 * `foreign-keys`: no orphans, for every declared foreign key (including NOT VALID ones and
 * ones whose triggers were disabled) and every reference declared only in the definitions.
 */
async function foreignKeys(ctx: CheckContext): Promise<CheckResult> {
  const declared = await declaredReferences(ctx);
  const key = (r: Reference) => `${r.table}(${r.columns.join(',')})->${r.parent}(${r.parentColumns.join(',')})`;
  const seen = new Set(declared.map(key));
  const references = [...declared, ...definedReferences(ctx).filter((r) => !seen.has(key(r)))];
  const findings: Finding[] = [];
  let checked = 0;
  const covered = new Set<string>();
  for (const ref of references) {
    if (!(await exists(ctx, ref.table)) || !(await exists(ctx, ref.parent))) continue;
    checked++;
    covered.add(ref.table);
    const apart = distributedApart(ctx, ref.table, ref.columns, ref.parent, ref.parentColumns);
    if (apart) {
      const childDefinition = ctx.definitions.byName.get(ref.table);
      const childId = childDefinition ? childDefinition.idColumn : ref.columns[0];
      const miss = await missesInOwnTenant(ctx, ref.table, ref.columns[0], childId, ref.parent, ref.parentColumns[0], apart);
      const orphans = miss.rows.filter((r) => !miss.elsewhere.has(r.value));
      if (orphans.length > 0) {
        findings.push({
          table: ref.table,
          message: `${orphans.length}${miss.total > miss.rows.length ? ' or more' : ''} row(s) reference a missing ${ref.parent} row through ${ref.name} (${ref.columns.join(', ')})`,
          examples: orphans.slice(0, 5).map((r) => r.value),
        });
      }
      continue;
    }
    const notNull = ref.columns.map((c) => `c.${ident(c)} IS NOT NULL`).join(' AND ');
    const join = ref.columns.map((c, i) => `p.${ident(ref.parentColumns[i])} = c.${ident(c)}`).join(' AND ');
    const result = await ctx.knex.raw(
      `SELECT count(*) OVER () AS total, ${ref.columns.map((c) => `c.${ident(c)}::text`).join(` || '/' || `)} AS example
         FROM ${ident(ref.table)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${ident(ref.parent)} p WHERE ${join}) LIMIT 5`,
    );
    if (result.rows.length > 0) {
      findings.push({
        table: ref.table,
        message: `${result.rows[0].total} row(s) reference a missing ${ref.parent} row through ${ref.name} (${ref.columns.join(', ')})`,
        examples: result.rows.map((r: { example: string }) => r.example),
      });
    }
  }
  return {
    name: 'foreign-keys',
    ok: findings.length === 0,
    details: {
      tables: [...covered].sort(),
      summary: findings.length === 0 ? `no orphans through ${checked} references` : `orphans through ${findings.length} of ${checked} references`,
      findings,
      hint: findings.length ? 'Delete or repair the orphan rows, then validate (or re-create) the constraint; `tenantseed reset` rebuilds a seeded database.' : undefined,
    },
  };
}

/**
 * `tenant-consistency`: no row references a row of another tenant. A row with no tenant (a
 * NULL tenant column: platform admins, the profile's withoutTenant) is no other tenant's: a
 * reference to or from it crosses no tenant (row-counts counts such rows, isolation proves that
 * no tenant sees them).
 */
async function tenantConsistency(ctx: CheckContext): Promise<CheckResult> {
  const findings: Finding[] = [];
  let checked = 0;
  const covered = new Set<string>();
  for (const table of ctx.definitions.tables) {
    for (const column of table.columns) {
      const parent = column.ref && ctx.definitions.byName.get(column.ref.table);
      if (!parent || !table.tenantColumn || !parent.tenantColumn) continue;
      if (!(await exists(ctx, table.table)) || !(await exists(ctx, parent.table))) continue;
      checked++;
      covered.add(table.table);
      const id = table.idColumn;
      const apart = distributedApart(ctx, table.table, [column.name], parent.table, [column.ref!.column]);
      if (apart) {
        const miss = await missesInOwnTenant(ctx, table.table, column.name, id, parent.table, column.ref!.column, apart);
        const across = miss.rows.filter((r) => miss.elsewhere.has(r.value));
        if (across.length > 0) {
          findings.push({
            table: table.table,
            tenant: across[0].tenant,
            message: `${across.length}${miss.total > miss.rows.length ? ' or more' : ''} row(s) point through ${column.name} at a ${parent.table} row of another tenant (${miss.elsewhere.get(across[0].value)})`,
            examples: across.slice(0, 5).map((r) => r.id),
          });
        }
        continue;
      }
      const result = await ctx.knex.raw(
        `SELECT count(*) OVER () AS total, c.${ident(table.tenantColumn)}::text AS tenant, c.${ident(id)}::text AS id, p.${ident(parent.tenantColumn)}::text AS other
           FROM ${ident(table.table)} c JOIN ${ident(parent.table)} p ON p.${ident(column.ref!.column)} = c.${ident(column.name)}
          WHERE p.${ident(parent.tenantColumn)} <> c.${ident(table.tenantColumn)}
            AND NOT EXISTS (SELECT 1 FROM ${ident(parent.table)} q WHERE q.${ident(column.ref!.column)} = c.${ident(column.name)} AND q.${ident(parent.tenantColumn)} = c.${ident(table.tenantColumn)})
          LIMIT 5`,
      );
      if (result.rows.length > 0) {
        findings.push({
          table: table.table,
          tenant: result.rows[0].tenant,
          message: `${result.rows[0].total} row(s) point through ${column.name} at a ${parent.table} row of another tenant (${result.rows[0].other})`,
          examples: result.rows.map((r: { id: string }) => r.id),
        });
      }
    }
  }
  // Chain tables (x-tenant-via) and polymorphic references: the tenant of each side through its chain.
  for (const ref of chainReferences(ctx.definitions)) {
    if (!(await exists(ctx, ref.table.table)) || !(await exists(ctx, ref.parent.table))) continue;
    checked++;
    covered.add(ref.table.table);
    const only = ref.discriminator ? ` AND c.${ident(ref.discriminator.column)}::text = ${quoteLiteral(ref.discriminator.value)}` : '';
    const result = await ctx.knex.raw(
      `SELECT count(*) OVER () AS total, t.tenant, t.id, t.other FROM (
         SELECT ${rowTenantSql(ctx.definitions, ref.table, 'c')} AS tenant, c.${ident(ref.table.idColumn)}::text AS id, ${rowTenantSql(ctx.definitions, ref.parent, 'p')} AS other
           FROM ${ident(ref.table.table)} c JOIN ${ident(ref.parent.table)} p ON p.${ident(ref.parent.idColumn)} = c.${ident(ref.column)}${only}) t
        WHERE t.tenant IS DISTINCT FROM t.other LIMIT 5`,
    );
    if (result.rows.length > 0) {
      findings.push({
        table: ref.table.table,
        tenant: result.rows[0].tenant ?? undefined,
        message: `${result.rows[0].total} row(s) point through ${ref.column}${ref.discriminator ? ` (${ref.discriminator.column} = ${ref.discriminator.value})` : ''} at a ${ref.parent.table} row of another tenant (${result.rows[0].other})`,
        examples: result.rows.map((r: { id: string }) => r.id),
      });
    }
  }
  return {
    name: 'tenant-consistency',
    ok: findings.length === 0,
    details: {
      tables: [...covered].sort(),
      summary: findings.length === 0 ? `no cross-tenant reference through ${checked} references` : `cross-tenant references through ${findings.length} of ${checked} references`,
      findings,
      hint: findings.length ? 'A foreign key without the tenant column lets rows point across tenants: include the tenant in the key (docs/schema.md) and repair the rows.' : undefined,
    },
  };
}
