import { ForeignKeyInfo, readColumnNamesOf, readDistribution, readForeignKeys, readUniqueKeysOf, TableDistribution } from './catalog';
import { Queryable } from './sql';

/** What Citus should make of one table, and what stops it. */
export interface DistributionTarget {
  readonly table: TableDistribution;
  /** `distributed` by its tenant column, or a `reference` table (replicated to every node). */
  readonly target: 'distributed' | 'reference';
  /** The tenant column, for a distributed table. */
  readonly column?: string;
  /** Whether it is already held as it should be. */
  readonly done: boolean;
  /** What stops it (each with the fix), empty when it can be distributed. */
  readonly blockers: readonly string[];
}

/** The whole schema's distribution: each table's target, the foreign keys, the co-location anchor. */
export interface DistributionPlan {
  readonly tables: readonly DistributionTarget[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  /** The distributed table the others are co-located with (one already distributed, if any). */
  readonly anchor?: string;
}

/**
 * Plans how a schema distributes on Citus: every table with a tenant column hash-distributed by
 * it and co-located; every other table (the tenant root, global tables) a reference table, so
 * that unique keys across tenants (a tenant's slug) stay enforceable and every node can join
 * to it. Lists, per table, what Citus would refuse, with the fix: a primary or unique key
 * without the tenant column, a foreign key between tenant tables that does not carry it, a
 * foreign key that sets the tenant column null or to its default, a reference table that
 * references a tenant table, a table distributed by another column. Works without Citus too
 * (the validator's readiness report): every table is then `local`.
 *
 * @example
 * const plan = await planDistribution(knex, ['public'], new Map([['users', 'tenant_id']]));
 * plan.tables.flatMap((t) => t.blockers)
 */
export async function planDistribution(q: Queryable, schemas: readonly string[], tenantColumns: ReadonlyMap<string, string>): Promise<DistributionPlan> {
  const tables = await readDistribution(q, schemas);
  const foreignKeys = await readForeignKeys(q, schemas);
  const byQualified = new Map(tables.map((t) => [t.qualified, t]));
  const columnOf = (qualified: string) => {
    const t = byQualified.get(qualified);
    return t ? tenantColumns.get(t.name) : undefined;
  };
  // Columns and unique keys of every table in two queries (a project of 420 tables: not 840).
  const withColumn = tables.filter((t) => tenantColumns.has(t.name)).map((t) => t.qualified);
  const columnNames = await readColumnNamesOf(q, withColumn);
  const uniqueKeys = await readUniqueKeysOf(q, withColumn);
  const targets: DistributionTarget[] = [];
  for (const table of tables) {
    const column = tenantColumns.get(table.name);
    const blockers: string[] = [];
    const own = foreignKeys.filter((fk) => fk.table === table.qualified);
    if (column && !columnNames.get(table.qualified)!.has(column)) {
      blockers.push(`has no column ${column} yet (the definitions' tenant column): migrate to the latest schema first`);
    } else if (column) {
      for (const key of uniqueKeys.get(table.qualified)!) {
        if (!key.columns.includes(column)) {
          blockers.push(key.primary
            ? `primary key ${key.name} (${key.columns.join(', ')}) lacks ${column}: make it (${column}, ${key.columns.join(', ')})`
            : `unique ${key.expression ? 'expression index' : 'key'} ${key.name} lacks ${column}: add ${column} to it (unique per tenant), or keep the rule in the application`);
        }
      }
      for (const fk of own) {
        const parentColumn = columnOf(fk.references);
        if (fk.setsNullOrDefault && fk.columns.includes(column)) {
          blockers.push(`foreign key ${fk.name} sets its columns null or to their default on delete or update, and it includes ${column}: Citus refuses that; use ON DELETE NO ACTION (or CASCADE) and clear the column in the application`);
        }
        if (parentColumn) {
          const at = fk.columns.indexOf(column);
          if (at < 0 || fk.refColumns[at] !== parentColumn) {
            blockers.push(`foreign key ${fk.name} (${fk.columns.join(', ')}) to the tenant table ${fk.references} does not carry ${column}: make it FOREIGN KEY (${column}, ...) REFERENCES ${fk.references} (${parentColumn}, ...)`);
          }
        }
      }
      if (table.method === 'distributed' && table.column !== column) {
        blockers.push(`already distributed by ${table.column}, not ${column}: run SELECT undistribute_table('${table.qualified}') first`);
      }
      if (table.method === 'reference') blockers.push(`already a reference table: run SELECT undistribute_table('${table.qualified}') first`);
    } else {
      for (const fk of own.filter((f) => columnOf(f.references))) {
        blockers.push(`it has no tenant column, so it becomes a reference table, and a reference table cannot reference the tenant table ${fk.references} (${fk.name}): give it a tenant column, or drop the foreign key`);
      }
      if (table.method === 'distributed') blockers.push(`already distributed by ${table.column}, but it has no tenant column in the definitions: run SELECT undistribute_table('${table.qualified}') first`);
    }
    const done = column ? table.method === 'distributed' && table.column === column : table.method === 'reference';
    targets.push({ table, target: column ? 'distributed' : 'reference', column, done, blockers });
  }
  const distributed = targets.filter((t) => t.target === 'distributed');
  const anchorTarget = distributed.find((t) => t.done) ?? distributed[0];
  // A tenant table distributed by the right column but in another co-location group is not
  // done: its shards are not beside the others' (joins and foreign keys across them fail).
  const group = anchorTarget?.done ? anchorTarget.table.colocationId : undefined;
  const tablesOut = targets.map((t) => (t.target === 'distributed' && t.done && t.table.colocationId !== group ? { ...t, done: false } : t));
  return { tables: tablesOut, foreignKeys, anchor: anchorTarget?.table.qualified };
}
