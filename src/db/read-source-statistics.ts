import type { Knex } from 'knex';
import { quoteIdentifier, quoteQualifiedName, queryRows } from './sql';

/**
 * Reads the shape of a source database (production, or a copy) without reading its rows:
 * `pg_stats` (the planner's statistics), and aggregate queries that return counts only. One
 * read-only transaction; every query is recorded in `read` so that the user sees exactly what
 * was asked of the source.
 */

/** The quantile points every distribution of counts is read at: 0%, 5%, ..., 100%. */
export const QUANTILE_POINTS: readonly number[] = Array.from({ length: 21 }, (_v, i) => i / 20);

/** A value of a categorical column may be copied only if at least this many rows hold it (enum and CHECK values are the schema's, not the data's). */
export const MIN_CATEGORY_ROWS = 5;
/** A text column is categorical by its distinct count when it has at most this many values... */
export const MAX_CATEGORIES = 32;
/** ... and every value repeats: rows per distinct value at least this. */
const MIN_ROWS_PER_CATEGORY = 5;

/** What the reader is told of one column (from the catalog, by the caller). */
export interface StatisticsColumn {
  readonly name: string;
  /** `pg_type.typname` of the column (of its elements, for an array). */
  readonly baseType: string;
  readonly isArray?: boolean;
  /** The schema lists its values (an enum type, a CHECK `IN (...)`, a boolean): they are not data. */
  readonly listed?: boolean;
}

/** One table to read, with its tenant column if it has one. */
export interface StatisticsTable {
  readonly name: string;
  readonly columns: readonly StatisticsColumn[];
  readonly tenantColumn?: string;
}

/** A reference whose children per parent are read: child columns -> parent columns (same order). */
export interface StatisticsReference {
  readonly table: string;
  readonly columns: readonly string[];
  readonly parent: string;
  readonly parentColumns: readonly string[];
}

/** What {@link readSourceStatistics} is asked to read. */
export interface StatisticsRequest {
  readonly schema: string;
  readonly tables: readonly StatisticsTable[];
  /** The table of tenants and its id column: rows per tenant count every tenant, those with none too. */
  readonly root?: { readonly table: string; readonly idColumn: string };
  readonly references: readonly StatisticsReference[];
  /** Date columns drafted to follow another (`updated_at` after `created_at`): the gaps between them are read. */
  readonly orders?: readonly { readonly table: string; readonly later: string; readonly earlier: string | readonly string[] }[];
}

/** A categorical value and the fraction of all rows (nulls included) that hold it. */
export interface Category {
  readonly value: string | boolean;
  readonly frequency: number;
}

/** What was learned of one column. Never a value of a non-categorical column. */
export interface ColumnStatistics {
  readonly table: string;
  readonly column: string;
  readonly baseType: string;
  readonly kind: 'categorical' | 'numeric' | 'temporal' | 'json' | 'array' | 'text' | 'other';
  readonly nullFraction: number;
  /** pg_stats' n_distinct: above 0 a count, below 0 minus the fraction of rows (-1: unique). */
  readonly distinct: number;
  /** Categorical columns: the values and their frequencies. */
  readonly categories?: readonly Category[];
  /**
   * Numbers and dates (dates as epoch milliseconds): values that many rows share (at least
   * {@link MIN_CATEGORY_ROWS}), with their frequencies, beside the histogram.
   */
  readonly common?: readonly { value: number; frequency: number }[];
  /** Numbers and dates (epoch ms): equal-frequency bucket bounds of the values not in `common`. */
  readonly histogram?: readonly number[];
  /** Arrays (SQL or JSON): element counts at {@link QUANTILE_POINTS}. */
  readonly lengths?: readonly number[];
  /** JSON: the key paths (array elements as `[]`), their JSON types and the share of documents that hold them. */
  readonly keys?: readonly JsonKey[];
}

/** A key path of a JSON column: its type and how many of the documents hold it. */
export interface JsonKey {
  readonly path: readonly string[];
  readonly type: string;
  /** Documents holding the path, over non-null documents. */
  readonly presence: number;
}

/** A distribution of counts: quantiles at {@link QUANTILE_POINTS}, and how it was read. */
export interface CountDistribution {
  readonly quantiles: readonly number[];
  /** How many groups (tenants, parents) the quantiles are over. */
  readonly groups: number;
  /** Rows in all. */
  readonly rows: number;
  /** `aggregate`: exact, from a query returning counts; `statistics`: estimated from pg_stats. */
  readonly source: 'aggregate' | 'statistics';
}

/** One query the reader ran, or could not run, on the source: what the user is shown. */
export interface StatisticsRead {
  readonly what: string;
  readonly sql: string;
  /** Set when it could not run (privileges, row-level security): why. */
  readonly skipped?: string;
}

/** What {@link readSourceStatistics} learned. */
export interface SourceStatistics {
  readonly database: string;
  readonly schema: string;
  readonly role: string;
  readonly columns: readonly ColumnStatistics[];
  /** Rows of each table (pg_class.reltuples after ANALYZE). */
  readonly tableRows: Readonly<Record<string, number>>;
  readonly rowsPerTenant: Readonly<Record<string, CountDistribution>>;
  /** Keyed `table.column` (the first child column). */
  readonly childrenPerParent: Readonly<Record<string, CountDistribution>>;
  /** Keyed `table.later`: days from the earlier date to the later one, as quantiles (`rows`: pairs with both dates). */
  readonly gaps: Readonly<Record<string, CountDistribution>>;
  /**
   * Keyed `table.later`, where the gap grows with the time left (corr(gap, window) >= 0.5: a
   * `last_login_at` anywhere between `created_at` and now): the gap as a share of that window
   * (up to the column's latest value), as quantiles. Absent where the gap is its own thing.
   */
  readonly windows?: Readonly<Record<string, CountDistribution>>;
  readonly read: readonly StatisticsRead[];
}

const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'money']);
const TEMPORAL_TYPES = new Set(['timestamptz', 'timestamp', 'date']);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);

interface StatsRow {
  attname: string;
  null_frac: number;
  n_distinct: number;
  categorical: boolean;
  mcv: string[] | null;
  mcf: number[] | null;
  histogram: string[] | null;
}

/** Quantiles of a list of counts at {@link QUANTILE_POINTS} (percentile_disc: a value of the list). */
export function countQuantiles(counts: readonly number[]): number[] {
  const sorted = [...counts].sort((a, b) => a - b);
  if (sorted.length === 0) return QUANTILE_POINTS.map(() => 0);
  return QUANTILE_POINTS.map((p) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]);
}

const QUANTILES_SQL = `percentile_disc(ARRAY[${QUANTILE_POINTS.join(',')}]::float8[]) WITHIN GROUP (ORDER BY n)`;

function kindOf(column: StatisticsColumn): ColumnStatistics['kind'] {
  if (column.isArray) return 'array';
  if (column.baseType === 'json' || column.baseType === 'jsonb') return 'json';
  if (column.listed || column.baseType === 'bool') return 'categorical';
  if (NUMERIC_TYPES.has(column.baseType)) return 'numeric';
  if (TEMPORAL_TYPES.has(column.baseType)) return 'temporal';
  if (TEXT_TYPES.has(column.baseType)) return 'text';
  return 'other';
}

/** A number, or a date as epoch milliseconds (the transaction reads dates in UTC, ISO style). */
function toNumber(text: string, baseType: string): number {
  if (baseType === 'date') return Date.parse(`${text}T00:00:00Z`);
  if (TEMPORAL_TYPES.has(baseType)) return Date.parse(`${text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')}${baseType === 'timestamp' ? 'Z' : ''}`);
  return Number(text.replace(/[$,]/g, ''));
}

/**
 * pg_stats of one table. The most common values are selected only where the query itself finds
 * the column categorical (listed values, or few values that each repeat), so that no other
 * column's values ever leave the source; those of numbers and dates only past
 * {@link MIN_CATEGORY_ROWS} rows each.
 */
async function readTableStats(trx: Knex.Transaction, schema: string, table: StatisticsTable, rows: number, read: StatisticsRead[], out: ColumnStatistics[]): Promise<void> {
  const listed = table.columns.filter((c) => c.listed || c.baseType === 'bool').map((c) => c.name);
  const numbers = table.columns.filter((c) => !c.isArray && (NUMERIC_TYPES.has(c.baseType) || TEMPORAL_TYPES.has(c.baseType))).map((c) => c.name);
  const texts = table.columns.filter((c) => !c.isArray && TEXT_TYPES.has(c.baseType) && !c.listed).map((c) => c.name);
  // n_distinct > 0 is a count of values; each repeats often enough, and the list covers the column.
  const fewValues = `(s.n_distinct > 0 AND s.n_distinct <= ${MAX_CATEGORIES} AND ?::float8 / s.n_distinct >= ${MIN_ROWS_PER_CATEGORY}
      AND s.most_common_freqs IS NOT NULL AND (SELECT sum(f) FROM unnest(s.most_common_freqs) f) + s.null_frac >= 0.99)`;
  const sql = `SELECT s.attname, s.null_frac, s.n_distinct,
      (s.attname = ANY(?) OR (s.attname = ANY(?) AND ${fewValues})) AS categorical,
      CASE WHEN s.attname = ANY(?) OR (s.attname = ANY(?) AND ${fewValues}) OR s.attname = ANY(?)
        THEN s.most_common_vals::text::text[] END AS mcv,
      CASE WHEN s.attname = ANY(?) OR (s.attname = ANY(?) AND ${fewValues}) OR s.attname = ANY(?)
        THEN s.most_common_freqs END AS mcf,
      CASE WHEN s.attname = ANY(?) THEN s.histogram_bounds::text::text[] END AS histogram
    FROM pg_stats s WHERE s.schemaname = ? AND s.tablename = ? AND NOT s.inherited`;
  const shown = `SELECT attname, null_frac, n_distinct, most_common_vals (categorical columns and numbers/dates only), most_common_freqs, histogram_bounds (numbers and dates only) FROM pg_stats WHERE schemaname = '${schema}' AND tablename = '${table.name}'`;
  const stats = await queryRows<StatsRow>(trx, sql, [listed, texts, rows, listed, texts, rows, numbers, listed, texts, rows, numbers, numbers, schema, table.name]);
  read.push({ what: `column statistics of ${table.name}`, sql: shown, ...(stats.length === 0 ? { skipped: rows > 0 ? 'pg_stats shows no row: the table was never analyzed (run ANALYZE on the source), or this role may not SELECT its columns (PostgreSQL hides them), or row-level security applies to this role (use a role with BYPASSRLS)' : 'the table is empty' } : {}) });
  const byName = new Map(stats.map((s) => [s.attname, s]));
  for (const column of table.columns) {
    const s = byName.get(column.name);
    if (!s) continue;
    let kind = kindOf(column);
    if (kind === 'text' && s.categorical) kind = 'categorical';
    const base = { table: table.name, column: column.name, baseType: column.baseType, nullFraction: Number(s.null_frac), distinct: Number(s.n_distinct) };
    if (kind === 'categorical') {
      const values = s.mcv ?? [];
      const freqs = s.mcf ?? [];
      const isBool = column.baseType === 'bool';
      const categories = values.map((v, i) => ({ value: isBool ? v === 't' || v === 'true' : v, frequency: Number(freqs[i]) }))
        .filter((c) => column.listed || isBool || c.frequency * rows >= MIN_CATEGORY_ROWS);
      out.push({ ...base, kind, categories });
    } else if (kind === 'numeric' || kind === 'temporal') {
      const common = (s.mcv ?? []).map((v, i) => ({ value: toNumber(v, column.baseType), frequency: Number(s.mcf![i]) }))
        .filter((c) => c.frequency * rows >= MIN_CATEGORY_ROWS && Number.isFinite(c.value));
      const histogram = (s.histogram ?? []).map((v) => toNumber(v, column.baseType)).filter(Number.isFinite);
      out.push({ ...base, kind, common, histogram });
    } else out.push({ ...base, kind });
  }
}

/** Whether this role may SELECT the table and sees all of its rows (no row-level security applies to it). */
async function aggregatable(trx: Knex.Transaction, schema: string, tables: readonly string[]): Promise<string | undefined> {
  for (const table of tables) {
    const [row] = await queryRows<{ select: boolean; rls: boolean }>(trx, `SELECT has_table_privilege(c.oid, 'SELECT') AS select, row_security_active(c.oid) AS rls
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?`, [schema, table]);
    if (!row) return `${table} is not in the source`;
    if (!row.select) return `this role may not SELECT ${table}`;
    if (row.rls) return `row-level security applies to this role on ${table} (it would count one tenant's rows): use a role with BYPASSRLS`;
  }
  return undefined;
}

/** Counts per group (a tenant, a parent), from an aggregate that returns only counts. */
async function readCounts(trx: Knex.Transaction, what: string, sql: string, tables: readonly string[], schema: string, read: StatisticsRead[]): Promise<CountDistribution | undefined> {
  const wrapped = `SELECT ${QUANTILES_SQL} AS q, count(*)::int AS groups, coalesce(sum(n), 0)::float8 AS rows FROM (${sql}) counts`;
  const refused = await aggregatable(trx, schema, tables);
  read.push({ what, sql: wrapped, ...(refused ? { skipped: refused } : {}) });
  if (refused) return undefined;
  const [row] = await queryRows<{ q: number[] | null; groups: number; rows: number }>(trx, wrapped);
  return { quantiles: (row.q ?? QUANTILE_POINTS.map(() => 0)).map(Number), groups: row.groups, rows: Number(row.rows), source: 'aggregate' };
}

/**
 * Rows per group estimated from pg_stats alone (no SELECT on the rows): the most common values
 * of the grouping column give the large groups, the rest share the remaining rows evenly.
 */
function estimateCounts(groups: number, rows: number, column: ColumnStatistics | undefined, frequencies: readonly number[] | undefined): CountDistribution | undefined {
  if (!column || groups <= 0) return undefined;
  const nonNull = rows * (1 - column.nullFraction);
  const distinct = Math.min(groups, column.distinct >= 0 ? column.distinct : Math.round(-column.distinct * rows));
  const common = (frequencies ?? []).map((f) => f * rows);
  const rest = Math.max(0, nonNull - common.reduce((a, b) => a + b, 0));
  const others = Math.max(0, distinct - common.length);
  const counts = [...common, ...Array.from({ length: others }, () => rest / Math.max(1, others)), ...Array.from({ length: Math.max(0, groups - distinct) }, () => 0)];
  return { quantiles: countQuantiles(counts.map(Math.round)), groups, rows: Math.round(nonNull), source: 'statistics' };
}

/**
 * Reads the statistics a draft needs from a source database, in a READ ONLY transaction:
 * `pg_stats` of every column (values only of categorical ones), rows per tenant and children
 * per parent as quantiles of counts, the key paths and JSON types of JSON columns, and the
 * element counts of arrays. Never reads a row's value of a non-categorical column. What it read,
 * and what it could not (with why), is in `read`.
 *
 * @example
 * const stats = await readSourceStatistics(sourceKnex, { schema: 'public', tables, references, root });
 * stats.rowsPerTenant.users.quantiles // [1, 2, 2, ..., 480]
 */
export async function readSourceStatistics(knex: Knex, request: StatisticsRequest): Promise<SourceStatistics> {
  return knex.transaction(async (trx) => {
    await trx.raw('SET TRANSACTION READ ONLY');
    await trx.raw("SET LOCAL statement_timeout = '300s'");
    await trx.raw("SET LOCAL TimeZone = 'UTC'");
    await trx.raw("SET LOCAL DateStyle = 'ISO, YMD'");
    const [who] = await queryRows<{ database: string; role: string }>(trx, 'SELECT current_database() AS database, current_user AS role');
    const read: StatisticsRead[] = [];
    const { schema } = request;
    const relRows = await queryRows<{ relname: string; reltuples: number }>(trx, `SELECT c.relname, greatest(c.reltuples, 0)::float8 AS reltuples
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind IN ('r', 'p')`, [schema]);
    read.push({ what: 'rows per table (estimate of the last ANALYZE)', sql: `SELECT relname, reltuples FROM pg_class WHERE relnamespace = '${schema}'::regnamespace` });
    const tableRows: Record<string, number> = {};
    for (const r of relRows) tableRows[r.relname] = Math.round(Number(r.reltuples));

    const columns: ColumnStatistics[] = [];
    for (const table of request.tables) await readTableStats(trx, schema, table, tableRows[table.name] ?? 0, read, columns);
    const columnOf = (table: string, column: string) => columns.find((c) => c.table === table && c.column === column);
    const mcfOf = async (table: string, column: string) => (await queryRows<{ f: number[] | null }>(trx,
      'SELECT most_common_freqs AS f FROM pg_stats WHERE schemaname = ? AND tablename = ? AND attname = ? AND NOT inherited', [schema, table, column]))[0]?.f?.map(Number);

    const rowsPerTenant: Record<string, CountDistribution> = {};
    const root = request.root;
    for (const table of request.tables.filter((t) => t.tenantColumn && root)) {
      const q = (name: string) => quoteIdentifier(name);
      const sql = `SELECT count(c.${q(table.tenantColumn!)})::float8 AS n FROM ${quoteQualifiedName(schema, root!.table)} r
        LEFT JOIN ${quoteQualifiedName(schema, table.name)} c ON c.${q(table.tenantColumn!)} = r.${q(root!.idColumn)} GROUP BY r.${q(root!.idColumn)}`;
      const exact = await readCounts(trx, `rows per tenant of ${table.name}`, sql, [root!.table, table.name], schema, read);
      const estimated = exact ? undefined : estimateCounts(tableRows[root!.table] ?? 0, tableRows[table.name] ?? 0, columnOf(table.name, table.tenantColumn!), await mcfOf(table.name, table.tenantColumn!));
      if (exact ?? estimated) rowsPerTenant[table.name] = (exact ?? estimated)!;
    }

    const childrenPerParent: Record<string, CountDistribution> = {};
    for (const ref of request.references) {
      const q = quoteIdentifier;
      const on = ref.columns.map((c, i) => `c.${q(c)} = p.${q(ref.parentColumns[i])}`).join(' AND ');
      const sql = `SELECT count(c.${q(ref.columns[ref.columns.length - 1])})::float8 AS n FROM ${quoteQualifiedName(schema, ref.parent)} p
        LEFT JOIN ${quoteQualifiedName(schema, ref.table)} c ON ${on} GROUP BY ${ref.parentColumns.map((c) => `p.${q(c)}`).join(', ')}`;
      const last = ref.columns[ref.columns.length - 1];
      const exact = await readCounts(trx, `children per parent of ${ref.table}.${last} -> ${ref.parent}`, sql, [ref.parent, ref.table], schema, read);
      const estimated = exact ? undefined : estimateCounts(tableRows[ref.parent] ?? 0, tableRows[ref.table] ?? 0, columnOf(ref.table, last), await mcfOf(ref.table, last));
      if (exact ?? estimated) childrenPerParent[`${ref.table}.${last}`] = (exact ?? estimated)!;
    }

    const gaps: Record<string, CountDistribution> = {};
    const windows: Record<string, CountDistribution> = {};
    for (const order of request.orders ?? []) {
      // Several earlier columns: the first with a value, as the generator reads `after`.
      const list = [order.earlier].flat();
      const later = quoteIdentifier(order.later);
      const earlier = list.length === 1 ? quoteIdentifier(list[0]) : `coalesce(${list.map(quoteIdentifier).join(', ')})`;
      const sql = `SELECT extract(epoch FROM (${later} - ${earlier}))::float8 / 86400 AS n FROM ${quoteQualifiedName(schema, order.table)} WHERE ${later} IS NOT NULL AND ${earlier} IS NOT NULL`;
      const counted = await readCounts(trx, `days from ${order.table}.${list.join(', else ')} to ${order.later}`, sql, [order.table], schema, read);
      if (counted) gaps[`${order.table}.${order.later}`] = counted;
      // Does the gap grow with the time left between the earlier date and the latest later one?
      const pairs = `SELECT extract(epoch FROM (${later} - ${earlier}))::float8 AS g, extract(epoch FROM ((SELECT max(${later}) FROM ${quoteQualifiedName(schema, order.table)}) - ${earlier}))::float8 AS w
        FROM ${quoteQualifiedName(schema, order.table)} WHERE ${later} IS NOT NULL AND ${earlier} IS NOT NULL`;
      if (!counted) continue;
      const correlation = `SELECT corr(g, w) AS r FROM (${pairs}) p`;
      read.push({ what: `whether the days from ${order.table}.${list.join(', else ')} to ${order.later} grow with the time left`, sql: correlation });
      const [{ r }] = await queryRows<{ r: number | null }>(trx, correlation);
      if (r === null || r < 0.5) continue;
      const shares = await readCounts(trx, `${order.table}.${order.later} as a share of the time from ${list.join(', else ')} to its latest value`, `SELECT g / w AS n FROM (${pairs}) p WHERE w > 0`, [order.table], schema, read);
      if (shares) windows[`${order.table}.${order.later}`] = shares;
    }

    for (const table of request.tables) {
      for (const column of table.columns) {
        const kind = kindOf(column);
        if (kind !== 'json' && kind !== 'array') continue;
        const index = columns.findIndex((c) => c.table === table.name && c.column === column.name);
        const base: ColumnStatistics = index >= 0 ? columns[index] : { table: table.name, column: column.name, baseType: column.baseType, kind, nullFraction: 0, distinct: 0 };
        const learned = kind === 'array'
          ? { lengths: await readLengths(trx, schema, table.name, column.name, `cardinality(${quoteIdentifier(column.name)})`, read) }
          : await readJson(trx, schema, table.name, column.name, read);
        const merged = { ...base, ...learned };
        if (index >= 0) columns[index] = merged;
        else columns.push(merged);
      }
    }
    return { database: who.database, schema, role: who.role, columns, tableRows, rowsPerTenant, childrenPerParent, gaps, windows, read };
  });
}

/** Element counts of an array (an SQL array, or a JSON array) at the quantile points. */
async function readLengths(trx: Knex.Transaction, schema: string, table: string, column: string, length: string, read: StatisticsRead[]): Promise<number[] | undefined> {
  const sql = `SELECT ${QUANTILES_SQL} AS q FROM (SELECT ${length}::float8 AS n FROM ${quoteQualifiedName(schema, table)} WHERE ${quoteIdentifier(column)} IS NOT NULL) lengths WHERE n IS NOT NULL`;
  const refused = await aggregatable(trx, schema, [table]);
  read.push({ what: `array lengths of ${table}.${column}`, sql, ...(refused ? { skipped: refused } : {}) });
  if (refused) return undefined;
  const [row] = await queryRows<{ q: number[] | null }>(trx, sql);
  return row.q ? row.q.map(Number) : undefined;
}

/** How many documents a JSON column's key sets are read from (the first this many, by the table's order). */
const JSON_SAMPLE = 20000;
/** Key paths deeper than this are not read. */
const JSON_DEPTH = 4;

/**
 * The key paths of a JSON column and their JSON types (`jsonb_typeof`), with the share of
 * documents that hold each: names and types, never a value. A key held by fewer than
 * {@link MIN_CATEGORY_ROWS} documents (or 1%) is left out: keys that are data (ids, emails as keys) stay in the source.
 */
async function readJson(trx: Knex.Transaction, schema: string, table: string, column: string, read: StatisticsRead[]): Promise<Partial<ColumnStatistics>> {
  const col = quoteIdentifier(column);
  const sql = `WITH RECURSIVE docs AS (SELECT ${col}::jsonb AS v FROM ${quoteQualifiedName(schema, table)} WHERE ${col} IS NOT NULL LIMIT ${JSON_SAMPLE}),
    walk(doc, path, v, depth) AS (
      SELECT row_number() OVER (), ARRAY[]::text[], v, 0 FROM docs
      UNION ALL
      SELECT w.doc, w.path || e.key, e.value, w.depth + 1 FROM walk w CROSS JOIN LATERAL (
        SELECT key, value FROM jsonb_each(CASE WHEN jsonb_typeof(w.v) = 'object' THEN w.v END)
        UNION ALL SELECT '[]', value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(w.v) = 'array' THEN w.v END)) e
      WHERE w.depth < ${JSON_DEPTH})
    SELECT path, jsonb_typeof(v) AS type, count(DISTINCT doc)::int AS docs, (SELECT count(*) FROM docs)::int AS total
    FROM walk GROUP BY path, jsonb_typeof(v) ORDER BY path, type`;
  const refused = await aggregatable(trx, schema, [table]);
  read.push({ what: `JSON key paths and types of ${table}.${column}`, sql, ...(refused ? { skipped: refused } : {}) });
  if (refused) return {};
  const rows = await queryRows<{ path: string[]; type: string; docs: number; total: number }>(trx, sql);
  const total = rows[0]?.total ?? 0;
  const keys = rows.filter((r) => r.docs >= Math.max(MIN_CATEGORY_ROWS, total * 0.01) || r.path.length === 0)
    .map((r) => ({ path: r.path, type: r.type, presence: total === 0 ? 0 : r.docs / total }));
  const rootArray = keys.some((k) => k.path.length === 0 && k.type === 'array');
  const lengths = rootArray ? await readLengths(trx, schema, table, column, `CASE WHEN jsonb_typeof(${col}::jsonb) = 'array' THEN jsonb_array_length(${col}::jsonb) END`, read) : undefined;
  return { keys, ...(lengths ? { lengths } : {}) };
}
