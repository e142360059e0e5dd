import type pg from 'pg';
import { CatalogTable, LockTablesOptions, lockTablesAtOnce, quoteIdentifier, quoteLiteral, readTables, WITHOUT_TENANT_COUNT } from '../db';
import { DatabaseError, DefinitionError } from '../errors';
import { Fingerprint, guardRows, Row, RowGuard, TablePlan } from '../generate';
import { pgArrayLiteral } from './array-literal';
import { copyTextChunks } from './copy-chunks';
import { copyRows } from './copy-rows';
import { settleChecks } from './settle-checks';
import { dropConstraints, restoreConstraints } from './deferred-constraints';
import type { ProgressListener } from './progress-event';

/** Options of {@link loadTables}. */
export interface LoadTablesOptions {
  /** The connection of the open transaction that loads (its search_path names the project's schemas). */
  client: pg.PoolClient | pg.Client;
  /** In load order (parents first). */
  tables: readonly TablePlan[];
  fingerprint: Fingerprint;
  /**
   * Drop keys, indexes and foreign keys, load, and rebuild them (the role must own the
   * tables), for the tables that get at least {@link DEFER_FROM_ROWS} rows. Otherwise rows are
   * copied into the fully constrained tables, which is slower for many rows.
   */
  deferConstraints: boolean;
  /** Check every generated row against its definition, not a keyed sample (`--strict`). */
  strict?: boolean;
  /** Told as each table's rows go in and as keys are rebuilt (events only: the loader prints nothing). */
  onProgress?: ProgressListener;
  /** The phase the table events name: `load` (the default) or `legacy rows`. */
  phase?: 'load' | 'legacy rows';
  /** The bound of every lock wait and who is told about it (see lockTablesAtOnce). */
  locking?: LockTablesOptions;
  /** With `deferConstraints`: from how many rows a table's constraints are deferred ({@link DEFER_FROM_ROWS}; 0: every table). */
  deferFromRows?: number;
}

/** What {@link loadTables} loaded. */
export interface LoadTablesResult {
  readonly rows: number;
  /** Rows per table and tenant id ("*" for tables without tenants). */
  readonly counts: Record<string, Record<string, number>>;
}

/** How one table's rows are sent: which columns, and how values are encoded for the catalog's types. */
interface TableLoad {
  readonly plan: TablePlan;
  readonly catalog: CatalogTable;
  /** The columns sent: all of the plan's, or (legacy rows) those the table has now. */
  readonly columns: readonly string[];
  /** Picks the sent columns out of a generated row, when not all are sent. */
  readonly project?: (row: Row) => Row;
  /** Writes arrays of array-typed columns as array literals, when the table has such columns. */
  readonly encode?: (row: Row) => Row;
}

/**
 * From this many rows on, a table's keys, indexes and foreign keys are dropped for the load and
 * rebuilt after it. Below, rows go into the constrained table: each rebuilt key or index costs a
 * statement and a new file whatever the rows (a project of 420 tables of a few rows each: 1,376 of
 * them, 6 s of drops, truncations and rebuilds on the shared machine, against under a second of
 * COPY), while checking a few hundred rows as they arrive costs less. Both check every row.
 */
export const DEFER_FROM_ROWS = 1_000;

/**
 * Matches a plan to its table in the catalog. A tenant-dataset column the table lacks is a
 * DefinitionError; legacy rows are sent with the columns the table has at the legacy baseline
 * (a migration that gives the table its tenant may add others). Array-typed columns get
 * array literals instead of JSON.
 */
function prepareTable(plan: TablePlan, catalog: CatalogTable | undefined): TableLoad {
  const file = plan.definition.file;
  if (!catalog) {
    throw new DefinitionError(`${file}: the table ${plan.name} does not exist in the database's schemas`, {
      hint: 'Run the migrations first (tenantseed migrate latest), or correct "x-table" / "schemas" in tenantseed.config.json.',
    });
  }
  const byName = new Map(catalog.columns.map((c) => [c.name, c]));
  const positions: number[] = [];
  plan.columns.forEach((name, i) => {
    if (byName.has(name)) positions.push(i);
    else if (!plan.legacy) {
      throw new DefinitionError(`${file} at /properties/${name}: the table ${catalog.qualified} has no column ${name}`, {
        hint: `Remove ${name} from the definition, or add the column with a migration. Columns of ${plan.name}: ${catalog.columns.map((c) => c.name).join(', ')}.`,
      });
    }
  });
  const columns = positions.map((i) => plan.columns[i]);
  const arrays = columns.map((name) => byName.get(name)!.isArray);
  return {
    plan,
    catalog,
    columns,
    project: positions.length === plan.columns.length ? undefined : (row) => positions.map((p) => row[p]),
    encode: arrays.some(Boolean) ? (row) => row.map((v, k) => (arrays[k] && Array.isArray(v) ? pgArrayLiteral(v as unknown[]) : v)) : undefined,
  };
}

/** The row at a COPY line (1-based), regenerated: rows are deterministic, so none is kept in memory. */
function rowAt(plan: TablePlan, line: number): Row | undefined {
  let n = 0;
  for (const row of plan.rows()) if (++n === line) return row;
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Names the row, column and definition behind a COPY failure (its CONTEXT says `COPY t, line N, column c`). */
function copyFailure(load: TableLoad, err: unknown): unknown {
  const e = err as { message?: string; where?: string; code?: string; constraint?: string; detail?: string };
  // The table's and the column's names may hold commas and colons: the line is found after the
  // table's name, and the column is the longest of the table's columns the rest starts with.
  const { plan, catalog } = load;
  const context = e.where ?? '';
  const where = new RegExp(`^COPY ${escapeRegExp(catalog.name)}, line (\\d+)(?:, column ([\\s\\S]*))?`, 'm').exec(context)
    ?? /COPY [^,]+, line (\d+)(?:, column ([^:]+))?/.exec(context);
  // Data exceptions (22) and constraint violations (23) come from a row; the rest does not.
  if (!where || !/^2[23]/.test(e.code ?? '')) return err;
  const row = rowAt(plan, Number(where[1]));
  const key = row ? plan.definition.primaryKey.map((c) => `${c}=${String(row[plan.columns.indexOf(c)])}`).join(', ') : `line ${where[1]}`;
  const rest = where[2];
  const column = rest === undefined ? undefined
    : load.columns.filter((c) => rest.startsWith(`${c}:`) || rest === c).sort((a, b) => b.length - a.length)[0] ?? rest.split(':')[0];
  const type = column ? catalog.columns.find((c) => c.name === column)?.type : undefined;
  const what = column
    ? `change the generator of ${column} (${plan.definition.file} at /properties/${column}) so that its values fit the column${type ? ` (${type})` : ''}`
    : e.constraint
      ? `${constraintFix(e.code, plan.definition.file)}${e.detail ? `; ${e.detail.replace(/\.$/, '')}` : ''}`
      : `correct the definition ${plan.definition.file}`;
  return new DatabaseError(`Loading ${plan.legacy ? 'legacy rows of ' : ''}${plan.name} failed at the row (${key})${column ? `, column ${column}` : ''}: ${e.message}`, {
    hint: `To fix it, ${what}. Nothing was committed.`,
    table: plan.name, constraint: e.constraint, sqlState: e.code, cause: err,
  });
}

/** What to change in a definition whose rows break a constraint, whether COPY or the rebuild found it. */
function constraintFix(code: string | undefined, file: string): string {
  return code === '23505'
    ? `make those columns unique in ${file} (x-unique on a column, or x-primary-key for the tuple)`
    : code === '23503'
      ? `make the reference in ${file} point at rows that exist (x-ref, and x-tenant-column for same-tenant keys)`
      : `make ${file} satisfy it`;
}

/** Names the definition behind a key, index or foreign key that the loaded rows break. */
function rebuildFailure(tables: readonly TableLoad[], err: unknown): unknown {
  const e = err as { message?: string; code?: string; table?: string; constraint?: string; detail?: string };
  if (!e.code?.startsWith('23')) return err;
  const load = tables.find((t) => t.plan.name === e.table || t.catalog.name === e.table);
  return new DatabaseError(`The loaded rows of ${e.table ?? 'a table'} break ${e.constraint ?? 'a constraint'}: ${e.detail ?? e.message}`, {
    hint: `To fix it, ${constraintFix(e.code, load?.plan.definition.file ?? 'the definitions')}. Nothing was committed.`,
    table: e.table, constraint: e.constraint, sqlState: e.code, cause: err,
  });
}

/**
 * Moves serial and identity sequences past the loaded ids, so the application's next insert
 * gets a free one: every sequence of every loaded table in one statement.
 */
async function advanceSequences(client: pg.PoolClient | pg.Client, loads: readonly TableLoad[]): Promise<void> {
  const moves = loads.flatMap((load) => load.columns.flatMap((name) => {
    const sequence = load.catalog.columns.find((c) => c.name === name)?.sequence;
    return sequence
      ? [`SELECT setval(${quoteLiteral(sequence)}::regclass, m, true) FROM (SELECT max(${quoteIdentifier(name)})::bigint AS m FROM ${load.catalog.qualified}) x WHERE m IS NOT NULL`]
      : [];
  }));
  if (moves.length > 0) await client.query(`SELECT count(*) FROM (${moves.join('\n UNION ALL ')}) moved`);
}

/**
 * Loads the rows of `tables` with COPY inside the caller's transaction. With
 * `deferConstraints`, for the tables of {@link DEFER_FROM_ROWS} rows or more, it saves and drops
 * their keys, indexes and foreign keys, empties those that are empty anyway with TRUNCATE (so
 * COPY may FREEZE them: no later vacuum needed), copies, and rebuilds everything from the saved
 * definitions, which checks every row; smaller tables are copied into their constraints. (No ANALYZE: it took a fifth of the seed's time, and autovacuum analyzes the tables
 * shortly after the commit.) Serial and identity sequences are moved past the loaded ids.
 * Nothing is visible to others until the caller commits, and a failure anywhere rolls all of
 * it back; a failure names the table, the row's key, the column and the definition to change.
 *
 * @example
 * await loadTables({ client, tables: plan.tables, fingerprint, deferConstraints: true });
 */
export async function loadTables(options: LoadTablesOptions): Promise<LoadTablesResult> {
  const { client, fingerprint } = options;
  const tables = options.tables.filter((t) => t.rowCount() > 0);
  const catalog = await readTables(client, tables.map((t) => t.name));
  const loads = tables.map((table) => prepareTable(table, catalog.get(table.name)));
  // Lock before deciding which tables are empty (and may be truncated): a row another session
  // commits in between would otherwise be truncated unseen. The key rebuild needs this lock anyway.
  // All at once or none, each wait bounded: never holding some of the tables while waiting for the rest.
  const query = (sql: string, params?: unknown[]) => client.query(sql, params);
  await lockTablesAtOnce(query, options.deferConstraints ? loads.map((l) => l.catalog.qualified) : [], options.locking);
  const deferFrom = options.deferFromRows ?? DEFER_FROM_ROWS;
  const deferred = options.deferConstraints ? loads.filter((l) => l.plan.rowCount() >= deferFrom) : [];
  const empty = new Set<string>();
  if (deferred.length > 0) {
    const result = await client.query(deferred.map((l, k) => `SELECT ${k} AS k WHERE NOT EXISTS (SELECT 1 FROM ${l.catalog.qualified})`).join(' UNION ALL '));
    for (const row of result.rows as Array<{ k: number }>) empty.add(deferred[row.k].plan.name);
  }
  const saved = deferred.length > 0 ? await dropConstraints(client, deferred.map((l) => l.plan.name)) : undefined;
  if (saved && empty.size > 0) {
    await client.query(`TRUNCATE ${loads.filter((l) => empty.has(l.plan.name)).map((l) => l.catalog.qualified).join(', ')}`);
  }
  let done = 0;
  const counts: Record<string, Record<string, number>> = {};
  for (const table of options.tables) {
    counts[table.name] = Object.fromEntries(table.tenantList().map((t) => [t?.withoutTenant ? WITHOUT_TENANT_COUNT : t?.id ?? '*', table.countFor(t)]));
  }
  for (const table of options.tables) {
    const load = loads.find((l) => l.plan === table);
    fingerprint.table(table.name, load?.columns ?? table.columns);
    if (!load) continue;
    const before = done;
    const phase = options.phase ?? 'load';
    const rowCount = table.rowCount();
    if (rowCount > 0) options.onProgress?.({ phase, table: table.name, rowsDone: 0, totalRows: rowCount });
    await settleChecks(client, table, load.catalog);
    const guarded = guardRows(table.rows(), new RowGuard(table, { strict: options.strict }));
    try {
      await copyRows({
        client,
        table: table.name,
        columns: load.columns,
        chunks: copyTextChunks(load.project ? mapRows(guarded, load.project) : guarded, { fingerprint, encode: load.encode }),
        freeze: Boolean(saved) && empty.has(table.name),
        onRows: (n) => options.onProgress?.({ phase, table: table.name, rowsDone: n, totalRows: rowCount }),
      });
    } catch (err) {
      throw copyFailure(load, err);
    }
    done = before + rowCount;
  }
  if (saved) {
    try {
      await restoreConstraints(client, saved, (rebuilt, all) => options.onProgress?.({ phase: 'keys', rowsDone: rebuilt, totalRows: all, unit: 'keys and indexes' }));
    } catch (err) {
      throw rebuildFailure(loads, err);
    }
  }
  await advanceSequences(client, loads);
  return { rows: done, counts };
}

function* mapRows(rows: Iterable<Row>, fn: (row: Row) => Row): Generator<Row> {
  for (const row of rows) yield fn(row);
}
