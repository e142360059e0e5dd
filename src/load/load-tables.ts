import type pg from 'pg';
import { Fingerprint, TablePlan } from '../generate';
import { copyRows } from './copy-rows';
import { dropConstraints, restoreConstraints } from './deferred-constraints';
import type { Progress } from './write-dataset-files';

/** Options of {@link loadTables}. */
export interface LoadTablesOptions {
  /** The connection of the open transaction that loads. */
  client: pg.PoolClient | pg.Client;
  /** In load order (parents first). */
  tables: readonly TablePlan[];
  fingerprint: Fingerprint;
  /**
   * Drop keys, indexes and foreign keys, load, and rebuild them (the role must own the
   * tables). Otherwise rows are copied into the fully constrained tables, which is slower.
   */
  deferConstraints: boolean;
  schema?: string;
  onProgress?: (progress: Progress) => void;
}

/** What {@link loadTables} loaded. */
export interface LoadTablesResult {
  readonly rows: number;
  /** Rows per table and tenant id ("*" for tables without tenants). */
  readonly counts: Record<string, Record<string, number>>;
}

/**
 * Loads the rows of `tables` with COPY inside the caller's transaction. With
 * `deferConstraints`, it saves and drops the tables' keys, indexes and foreign keys, empties
 * the tables that are empty anyway with TRUNCATE (so COPY may FREEZE them: no later vacuum
 * needed), copies, and rebuilds everything from the saved definitions, which checks every
 * row. (No ANALYZE: it took a fifth of the seed's time, and autovacuum analyzes the tables
 * shortly after the commit.) Nothing is visible to others until the caller commits, and a failure
 * anywhere rolls all of it back.
 *
 * @example
 * await loadTables({ client, tables: plan.tables, fingerprint, deferConstraints: true });
 */
export async function loadTables(options: LoadTablesOptions): Promise<LoadTablesResult> {
  const { client, fingerprint } = options;
  const schema = options.schema ?? 'public';
  const tables = options.tables.filter((t) => t.rowCount() > 0);
  const names = tables.map((t) => t.name);
  const total = tables.reduce((sum, t) => sum + t.rowCount(), 0);
  const empty = new Set<string>();
  for (const name of names) {
    const result = await client.query(`SELECT NOT EXISTS (SELECT 1 FROM "${schema}"."${name}") AS empty`);
    if (result.rows[0].empty) empty.add(name);
  }
  const saved = options.deferConstraints ? await dropConstraints(client, schema, names) : undefined;
  if (saved && empty.size > 0) {
    await client.query(`TRUNCATE ${[...empty].map((n) => `"${schema}"."${n}"`).join(', ')}`);
  }
  let done = 0;
  const counts: Record<string, Record<string, number>> = {};
  for (const table of options.tables) {
    counts[table.name] = Object.fromEntries(table.tenantList().map((t) => [t?.id ?? '*', table.countFor(t)]));
  }
  for (const table of options.tables) {
    fingerprint.table(table.name, table.columns);
    if (table.rowCount() === 0) continue;
    const before = done;
    await copyRows({
      client,
      table: table.name,
      columns: table.columns,
      rows: table.rows(),
      freeze: Boolean(saved) && empty.has(table.name),
      fingerprint,
      onRows: (n) => options.onProgress?.({ table: table.name, rowsDone: before + n, totalRows: total }),
    });
    done = before + table.rowCount();
  }
  if (saved) {
    options.onProgress?.({ table: 'keys and indexes', rowsDone: done, totalRows: total });
    await restoreConstraints(client, saved);
  }
  return { rows: done, counts };
}
