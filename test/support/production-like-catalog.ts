import type pg from 'pg';
import { MIGRATION_TOOL_TABLES, quoteIdentifier, readSchemaSnapshot } from '../../src/db';
import type { SchemaSnapshot, SnapshotColumn, SnapshotTable } from '../../src/db';

/**
 * Fills any migrated schema with "production-like" data from its catalog alone (no SQL written
 * per schema), for issue 34's acceptance on a fixture project of "Any team's schema": tenants
 * from a whale to a long tail (rows per tenant ~ rank^-1.1), children per parent from a heavy
 * tail, values a CHECK or an enum type lists drawn with a skew, text columns named like a
 * category (`type`, `status`, `model`, `provider`, ...) from a few skewed values, nulls in every
 * nullable column, dates skewed to recent (later ones after the first, as their names imply),
 * JSON objects with nested keys, arrays of varied length. Every other text value (names, emails,
 * ids, JSON strings) holds the marker `zq` so a test can prove that none reached a generated
 * database; categorical values hold none (they may be copied). Deterministic: a seeded generator,
 * no `random()` of the server. Ends with ANALYZE (the statistics `introspect --learn-from` reads).
 */

/** What {@link fillProductionLikeCatalog} made: the columns whose values are categorical (copyable), as `table.column`. */
export interface ProductionLikeFill {
  readonly categorical: readonly string[];
  readonly rows: Readonly<Record<string, number>>;
}

/** Options of {@link fillProductionLikeCatalog}. */
export interface ProductionLikeOptions {
  /** The table of tenants. */
  readonly root: string;
  readonly schema?: string;
  readonly tenants?: number;
  readonly seed?: number;
}

/** Words of a column name that make its text a category. */
const CATEGORY_WORDS = ['type', 'kind', 'status', 'state', 'action', 'model', 'provider', 'category', 'level', 'tier', 'plan', 'role', 'stage', 'channel', 'currency', 'locale', 'language', 'source'];
/** Words of a date column that name its row's first moment, most first-like first. */
const FIRST_DATE_WORDS = ['created', 'requested', 'invited', 'issued', 'started', 'sent', 'received', 'occurred'];
const REFERENCE_MS = Date.UTC(2026, 10, 30);
const DAY_MS = 86_400_000;

const words = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');

/** mulberry32: a small seeded generator. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable number in [0, 1) from a name: each column's own skew and null fraction. */
function nameShare(name: string): number {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) % 10007) / 10007;
}

/** Skewed weights for k listed values: about 0.55, 0.25, 0.11, ... of the rows. */
function skewedPick(random: () => number, values: readonly string[]): string {
  const weights = values.map((_v, i) => Math.pow(0.45, i));
  let r = random() * weights.reduce((a, w) => a + w, 0);
  for (let i = 0; i < values.length; i++) if ((r -= weights[i]) < 0) return values[i];
  return values[values.length - 1];
}

/** The values a CHECK lists for a column (`col IN (...)`, `col = ANY (ARRAY[...])`). */
function checkListed(table: SnapshotTable, column: string): string[] | undefined {
  for (const check of table.constraints.filter((c) => c.kind === 'check')) {
    const d = check.definition;
    if (!new RegExp(`\\(?"?${column}"?\\)?(::\\w+( \\w+)?)? = ANY|"?${column}"? IN`).test(d)) continue;
    const values = [...d.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
    if (values.length > 1) return values;
  }
  return undefined;
}

interface Plan {
  table: SnapshotTable;
  tenantColumn?: string;
  /** Single-column references: column -> parent table and column. */
  refs: Map<string, { parent: string; column: string }>;
}

function planTables(snapshot: SchemaSnapshot, root: string): Plan[] {
  const tables = snapshot.tables.filter((t) => MIGRATION_TOOL_TABLES[t.name.toLowerCase()] === undefined);
  const plans = tables.map((table) => {
    const refs = new Map<string, { parent: string; column: string }>();
    for (const fk of table.constraints.filter((c) => c.kind === 'foreign' && c.columns.length === 1 && c.refTable !== table.name)) refs.set(fk.columns[0], { parent: fk.refTable!, column: fk.refColumns![0] });
    const tenantColumn = [...refs].find(([, r]) => r.parent === root)?.[0];
    return { table, tenantColumn, refs };
  });
  // Parents first.
  const ordered: Plan[] = [];
  const pending = [...plans];
  while (pending.length > 0) {
    const i = pending.findIndex((p) => [...p.refs.values()].every((r) => ordered.some((o) => o.table.name === r.parent) || !plans.some((q) => q.table.name === r.parent)));
    if (i < 0) throw new Error(`production-like fill: a cycle of references among ${pending.map((p) => p.table.name).join(', ')}`);
    ordered.push(pending.splice(i, 1)[0]);
  }
  return ordered;
}

type Row = Record<string, unknown>;

/** A date column's value: the row's first moment skewed to recent, later ones a skewed gap after it. */
function dateValue(random: () => number, column: SnapshotColumn, first: number | undefined): Date {
  const at = first === undefined ? REFERENCE_MS - Math.pow(random(), 1.6) * 700 * DAY_MS : first + Math.pow(random(), 2) * (10 + 80 * nameShare(column.name)) * DAY_MS;
  return new Date(Math.round(at));
}

/** A JSON object with nested keys, some optional, strings marked. Its keys are the column's own (from its name). */
function jsonValue(random: () => number, column: string): unknown {
  const n = Math.floor(nameShare(column) * 1000);
  const value: Record<string, unknown> = {
    mode: random() < 0.7 ? `zq-mode-${n}` : `zq-alt-${Math.floor(random() * 1e6)}`,
    limits: { count: Math.floor(Math.pow(random(), 2) * 500), ratio: Math.round(random() * 1000) / 1000 },
    enabled: random() < 0.8,
    items: Array.from({ length: Math.floor(Math.pow(random(), 2) * 5) }, () => `zq${Math.floor(random() * 1e6).toString(36)}`),
  };
  if (random() < 0.5) value.owner = { team: `zq-team-${Math.floor(random() * 50)}`, since: new Date(REFERENCE_MS - random() * 300 * DAY_MS).toISOString() };
  return value;
}

function textValue(random: () => number, table: string, column: SnapshotColumn, index: number): string {
  const w = words(column.name);
  const tag = `${index.toString(36)}${Math.floor(random() * 46656).toString(36)}`;
  let text: string;
  if (w.includes('email')) text = `u${tag}.zq@zqmail.example`;
  else if (w.includes('domain')) text = `zq${tag}.example.com`;
  else if (w.includes('name') || w.includes('title')) text = `Zq ${table.slice(0, 4)} ${tag}`;
  else text = `zq${tag} ${'lorem '.repeat(Math.floor(Math.pow(random(), 2) * 12))}`.trim();
  return column.maxLength ? text.slice(0, column.maxLength) : text;
}

function numberValue(random: () => number, column: SnapshotColumn): number | string {
  const skew = 1.5 + 2 * nameShare(column.name);
  const max = ['int2'].includes(column.baseType) ? 30000 : 20000;
  if (['int2', 'int4', 'int8'].includes(column.baseType)) return Math.floor(Math.pow(random(), skew) * max);
  const scale = column.scale ?? 2;
  const limit = column.precision !== undefined ? Math.pow(10, column.precision - scale) - 1 : 1e6;
  return (Math.pow(random(), skew) * Math.min(limit, 500)).toFixed(scale);
}

/**
 * Fills the schema of a database another tool migrated, from its catalog (see the file's comment).
 *
 * @example
 * const { categorical } = await fillProductionLikeCatalog(client, { root: 'tenants' });
 */
export async function fillProductionLikeCatalog(client: pg.ClientBase, options: ProductionLikeOptions): Promise<ProductionLikeFill> {
  const random = seeded(options.seed ?? 34);
  const snapshot = await readSchemaSnapshot(client, options.schema ?? 'public');
  const plans = planTables(snapshot, options.root);
  const made = new Map<string, Row[]>();
  const categorical = new Set<string>();
  const tenantCount = options.tenants ?? 60;
  const weightOf = (rank: number) => Math.pow(rank + 1, -1.1);
  let serial = 0;

  for (const plan of plans) {
    const { table, tenantColumn, refs } = plan;
    const key = table.constraints.find((c) => c.kind === 'primary')?.columns ?? [];
    const uniques = [...table.constraints.filter((c) => c.kind === 'unique' || c.kind === 'primary').map((c) => c.columns),
      ...table.uniqueIndexes.filter((u) => u.columns.length > 0 && !u.partial).map((u) => u.columns)];
    const seen = uniques.map(() => new Set<string>());
    const isRoot = table.name === options.root;
    const scoped = (parent: string) => plans.find((p) => p.table.name === parent)?.tenantColumn;
    // The parent whose rows drive this table's count: a required reference to a tenant-scoped table, else the tenant.
    const driver = [...refs].find(([c, r]) => c !== tenantColumn && r.parent !== options.root && scoped(r.parent) !== undefined
      && table.columns.find((x) => x.name === c)?.notNull);
    const alone = uniques.some((u) => tenantColumn !== undefined && u.length === 1 && u[0] === tenantColumn);
    const groups: Array<{ tenant?: unknown; parent?: Row; count: number }> = [];
    const share = nameShare(table.name);
    if (isRoot) groups.push({ count: tenantCount });
    else if (driver) {
      const [, ref] = driver;
      for (const parent of made.get(ref.parent) ?? []) groups.push({ tenant: parent[scoped(ref.parent)!], parent, count: Math.floor(Math.pow(random(), 2.5) * (4 + 12 * share)) });
    } else if (tenantColumn) {
      const tenants = made.get(options.root) ?? [];
      tenants.forEach((t, rank) => groups.push({ tenant: t[refs.get(tenantColumn)!.column], count: alone ? (random() < 0.9 ? 1 : 0) : Math.max(rank < tenantCount / 2 ? 1 : 0, Math.round((40 + 300 * share) * weightOf(rank))) }));
    } else {
      const referenced = plans.some((p) => [...p.refs.values()].some((r) => r.parent === table.name));
      groups.push({ count: referenced ? 1200 : 12 });
    }
    const rows: Row[] = [];
    for (const group of groups) {
      for (let n = 0; n < group.count; n++) {
        const row: Row = {};
        const index = serial++;
        let first: number | undefined;
        const dates = table.columns.filter((c) => ['timestamptz', 'timestamp', 'date'].includes(c.baseType) && !c.isArray)
          .sort((a, b) => rankFirst(a.name) - rankFirst(b.name));
        for (const column of table.columns.filter((c) => !c.generated && c.identity !== 'always')) {
          const name = column.name;
          const nullShare = 0.1 + 0.4 * nameShare(`${table.name}.${name}`);
          const maybeNull = !column.notNull && !key.includes(name) && random() < nullShare;
          if (name === tenantColumn) row[name] = group.tenant;
          else if (driver && name === driver[0]) row[name] = group.parent![driver[1].column];
          else if (refs.has(name)) {
            const ref = refs.get(name)!;
            const parentTenant = scoped(ref.parent);
            const pool = (made.get(ref.parent) ?? []).filter((p) => parentTenant === undefined || tenantColumn === undefined || p[parentTenant] === group.tenant);
            row[name] = maybeNull || pool.length === 0 ? null : pool[Math.floor(Math.pow(random(), 2.5) * pool.length)][ref.column];
          } else if (key.includes(name) && column.baseType === 'uuid') row[name] = uuidFrom(random);
          else if (key.includes(name) && ['int2', 'int4', 'int8'].includes(column.baseType)) row[name] = index + 1;
          else if (key.includes(name)) row[name] = `zq${index.toString(36)}${Math.floor(random() * 1e9).toString(36)}`;
          else if (maybeNull) row[name] = null;
          else row[name] = valueOf(random, table, column, index, dates[0]?.name === name ? undefined : first, categorical);
          if (dates[0]?.name === name && row[name] instanceof Date) first = (row[name] as Date).getTime();
        }
        // A row whose unique tuple was already made is left out (a pair of references drawn twice).
        const tuples = uniques.map((u) => JSON.stringify(u.map((c) => row[c])));
        if (tuples.some((t, i) => seen[i].has(t) && !uniques[i].some((c) => row[c] === null))) continue;
        tuples.forEach((t, i) => seen[i].add(t));
        rows.push(row);
      }
    }
    made.set(table.name, rows);
    await insertRows(client, table, rows);
  }
  await client.query('ANALYZE');
  return { categorical: [...categorical].sort(), rows: Object.fromEntries([...made].map(([t, r]) => [t, r.length])) };
}

function rankFirst(name: string): number {
  const i = FIRST_DATE_WORDS.findIndex((w) => words(name).includes(w));
  return i < 0 ? FIRST_DATE_WORDS.length : i;
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function valueOf(random: () => number, table: SnapshotTable, column: SnapshotColumn, index: number, first: number | undefined, categorical: Set<string>): unknown {
  const listed = column.enumLabels ?? checkListed(table, column.name);
  if (column.isArray && column.enumLabels) {
    const labels = [...column.enumLabels];
    return labels.filter((_l, i) => random() < Math.pow(0.6, i + 0.3));
  }
  if (listed) return skewedPick(random, listed);
  if (column.isArray) return Array.from({ length: Math.floor(Math.pow(random(), 2) * 5) }, () => `zq${Math.floor(random() * 1e6).toString(36)}`);
  switch (column.baseType) {
    case 'bool': return random() < 0.2 + 0.7 * nameShare(column.name);
    case 'timestamptz': case 'timestamp': return dateValue(random, column, first);
    case 'date': return dateValue(random, column, first).toISOString().slice(0, 10);
    case 'jsonb': case 'json': return JSON.stringify(jsonValue(random, column.name));
    case 'uuid': return uuidFrom(random);
    case 'int2': case 'int4': case 'int8': case 'numeric': case 'float4': case 'float8': return numberValue(random, column);
    case 'text': case 'varchar': case 'bpchar': case 'citext': {
      if (words(column.name).some((w) => CATEGORY_WORDS.includes(w))) {
        categorical.add(`${table.name}.${column.name}`);
        const word = words(column.name).find((w) => CATEGORY_WORDS.includes(w))!;
        return skewedPick(random, Array.from({ length: 6 }, (_v, i) => `${word}-${String.fromCharCode(97 + i)}`));
      }
      return textValue(random, table.name, column, index);
    }
    default: return null;
  }
}

async function insertRows(client: pg.ClientBase, table: SnapshotTable, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const batch = Math.max(1, Math.floor(30000 / columns.length));
  for (let start = 0; start < rows.length; start += batch) {
    const slice = rows.slice(start, start + batch);
    const params: unknown[] = [];
    const tuples = slice.map((row) => `(${columns.map((c) => {
      params.push(row[c]);
      return `$${params.length}`;
    }).join(', ')})`);
    await client.query(`INSERT INTO ${quoteIdentifier(table.name)} (${columns.map(quoteIdentifier).join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}
