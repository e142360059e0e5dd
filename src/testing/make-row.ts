import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ProjectConfig } from '../config';
import { isTenantId, withTenant } from '../db';
import type { TableDefinition } from '../definitions';
import { UsageError } from '../errors';
import type { Plan } from '../generate';

/** Options of `db.make`. */
export interface MakeOptions {
  /**
   * The tenant the row belongs to: its id or its fixture name (slug). Default: the tenant
   * column's value in the overrides, else the dataset's first tenant. The tenant column set to
   * null in the overrides makes a row with no tenant (drawn like the profile's `withoutTenant` rows).
   */
  tenant?: string | number;
  /** Insert as the application role with the tenant set (row-level security applies), not as the loader. */
  asApp?: boolean;
}

/** What makes rows for one test database: its plan, its loader connection and its project. */
export interface RowMaker {
  readonly plan: Plan;
  readonly knex: Knex;
  readonly project: ProjectConfig;
  tenantId(slug: string): string | number;
}

let made = 0;

/** A value unlike any the dataset holds, in the shape of `value` (an email stays an email). */
function distinctValue(value: unknown, tag: string): unknown {
  if (typeof value !== 'string') return value;
  const at = value.indexOf('@');
  return at > 0 ? `${value.slice(0, at)}+${tag}${value.slice(at)}` : `${value}-${tag}`;
}

/** The values of a generated row of the table for the tenant, the k-th of its rows (cycling). */
function generatedValues(plan: Plan, table: string, tenantId: string | number | null | undefined, k: number): Record<string, unknown> {
  const tablePlan = plan.tables.find((t) => t.name === table);
  if (!tablePlan) return {};
  const tenants = tablePlan.tenantList();
  // No tenant (null): the shape of a row the profile declares without a tenant, when it has one.
  const index = tenants.findIndex((t) => t === undefined || (tenantId === null ? t.withoutTenant : !t.withoutTenant && String(t.id) === String(tenantId)));
  // A tenant without rows of this table borrows another tenant's row shape (its references may
  // then point across tenants: pass them in the overrides).
  const counts = tenants.map((t) => tablePlan.countFor(t));
  const chosen = index >= 0 && counts[index] > 0 ? index : counts.findIndex((n) => n > 0);
  if (chosen < 0) return {};
  let skip = counts.slice(0, chosen).reduce((a, b) => a + b, 0) + (k % counts[chosen]);
  for (const row of tablePlan.rows()) {
    if (skip-- > 0) continue;
    return Object.fromEntries(tablePlan.columns.map((c, i) => [c, row[i]]));
  }
  return {};
}

async function freshId(knex: Knex, definition: TableDefinition, sample: unknown): Promise<unknown> {
  const column = definition.columns.find((c) => c.name === definition.idColumn);
  const format = column?.schema.format;
  if (typeof sample === 'number' || column?.schema.type === 'integer') {
    const row = (await knex.raw(`SELECT coalesce(max(??), 0) + 1 AS next FROM ??`, [definition.idColumn, definition.table])).rows[0];
    return Number(row.next);
  }
  if (format === 'uuid' || (typeof sample === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(sample))) return randomUUID();
  if (typeof sample === 'string' && /^[a-z][a-z0-9]{19,31}$/.test(sample)) return `c${randomBytes(12).toString('hex')}`;
  return distinctValue(sample ?? definition.table, `m${randomBytes(4).toString('hex')}`);
}

/**
 * Inserts one row of `table`, drawn from its definition as the generator draws the dataset's
 * rows (a row of the tenant's, so its references point at that tenant's rows), with a new id,
 * new values in unique columns, and `overrides` on top. Returns the row as inserted.
 */
export async function makeRow(
  maker: RowMaker, table: string, overrides: Record<string, unknown> = {}, options: MakeOptions = {},
): Promise<Record<string, unknown>> {
  const { plan, knex, project } = maker;
  const definition = plan.definitions.byName.get(table);
  if (!definition) {
    throw new UsageError(`db.make: no definition for table "${table}"`, { hint: `Tables: ${[...plan.definitions.byName.keys()].join(', ')}.` });
  }
  const tenantColumn = definition.tenantColumn;
  const withoutTenant = tenantColumn !== undefined && options.tenant === undefined && overrides[tenantColumn] === null;
  const named = options.tenant ?? (tenantColumn && !withoutTenant ? overrides[tenantColumn] as string | number | undefined : undefined);
  const tenantId = withoutTenant ? null : named === undefined ? plan.tenants[0]?.id : isTenantId(named) ? named : maker.tenantId(String(named));
  const values = generatedValues(plan, table, tenantColumn ? tenantId : undefined, made++);
  const tag = `m${randomBytes(4).toString('hex')}`;
  const unique = new Set([...definition.columns.filter((c) => c.unique).map((c) => c.name), ...definition.uniqueKeys.flat(), ...(definition.naturalKey ? [definition.naturalKey] : [])]);
  for (const column of unique) if (column !== tenantColumn && column in values) values[column] = distinctValue(values[column], tag);
  if (!(definition.idColumn in overrides)) values[definition.idColumn] = await freshId(knex, definition, values[definition.idColumn]);
  if (tenantColumn && tenantId !== undefined) values[tenantColumn] = tenantId;
  const row: Record<string, unknown> = { ...values, ...overrides };
  for (const column of definition.columns) {
    // node-postgres would send a JS array as a PostgreSQL array: a JSON column wants JSON text.
    if (column.json && row[column.name] !== null && typeof row[column.name] === 'object') row[column.name] = JSON.stringify(row[column.name]);
  }
  const insert = async (q: Knex) => (await q(table).insert(row).returning('*'))[0] as Record<string, unknown>;
  if (!options.asApp) return insert(knex);
  const actingTenant = tenantColumn ? row[tenantColumn] : tenantId;
  if (!isTenantId(actingTenant)) {
    throw new UsageError(`db.make: inserting into ${table} as the application role needs a tenant`, { hint: 'Pass { tenant: "acme" } or the tenant column in the overrides.' });
  }
  return withTenant(knex, actingTenant, (trx) => insert(trx), project.tenancy);
}
