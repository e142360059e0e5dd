import type { ColumnStatistics, CountDistribution, JsonKey, SchemaSnapshot, SnapshotColumn, SourceStatistics, StatisticsRequest } from '../db';
import type { DraftNode } from './column-schema';
import type { ProjectDraft } from './draft-project';
import type { Finding } from './infer-tenancy';
import { readCheck } from './read-check';

/**
 * `introspect --learn-from`: what to read of a source database for a draft, and the draft
 * rewritten to reproduce what was read: weighted enums, null fractions, numbers and dates from
 * the source's buckets, rows per tenant and children per parent from its quantiles, JSON with
 * the source's key paths and types. Values are copied only from categorical columns (the reader
 * hands no other); names, emails, free text and ids stay the generator's.
 */

const DAY_MS = 86_400_000;
/** A key path held by at least this share of documents is required in the drafted JSON schema. */
const REQUIRED_PRESENCE = 0.99;

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

function typeList(node: DraftNode): string[] {
  return (Array.isArray(node.type) ? node.type : [node.type]).filter((t): t is string => typeof t === 'string');
}

/** A date's `after`: one column, or several (the first with a value in the row). */
function isAfter(after: unknown): after is string | string[] {
  return typeof after === 'string' || (Array.isArray(after) && after.length > 0 && after.every((a) => typeof a === 'string'));
}

/** The properties the table's own rules make: keys, references, uniques, sums and orders are left as drafted. */
function keptAsDrafted(definition: DraftNode, name: string, node: DraftNode): boolean {
  const key = (definition['x-primary-key'] as string[] | undefined) ?? [];
  const tuples = ((definition['x-unique-keys'] as string[][] | undefined) ?? []).flat();
  const foreign = ((definition['x-foreign-keys'] as Array<{ columns: string[] }> | undefined) ?? []).flatMap((f) => f.columns);
  const spec = node['x-generate'] as Record<string, unknown> | undefined;
  const rule = spec !== undefined && typeof spec === 'object' && ('sum' in spec || 'password' in spec || 'token' in spec || 'row' in spec
    || ('date' in spec && isAfter((spec.date as { after?: unknown }).after)));
  return name === definition['x-tenant-column'] || key.includes(name) || tuples.includes(name) || foreign.includes(name)
    || node['x-ref'] !== undefined || node['x-ref-one-of'] !== undefined || node['x-unique'] !== undefined || rule || typeof spec === 'string';
}

/** Columns whose values the schema lists (an enum type, a CHECK IN list), by table: not data, always copyable. */
function listedColumns(snapshot: SchemaSnapshot): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const table of snapshot.tables) {
    const listed = new Set(table.columns.filter((c) => c.enumLabels).map((c) => c.name));
    for (const check of table.constraints.filter((c) => c.kind === 'check')) {
      const reading = readCheck(check.definition);
      if (reading.read && 'column' in reading && reading.facts.enum) listed.add(reading.column);
    }
    out.set(table.name, listed);
  }
  return out;
}

/**
 * What to read of the source for a draft: every drafted table's columns (the schema's listed
 * values marked), the tenant root, and each reference (with the tenant column when both tables
 * have one, as the composite foreign keys pair them).
 *
 * @example
 * const request = statisticsRequest(snapshot, draft);
 */
export function statisticsRequest(snapshot: SchemaSnapshot, draft: Pick<ProjectDraft, 'definitions' | 'root'>): StatisticsRequest {
  const listed = listedColumns(snapshot);
  const tables = snapshot.tables.filter((t) => draft.definitions.has(t.name)).map((t) => ({
    name: t.name,
    tenantColumn: draft.definitions.get(t.name)!['x-tenant-column'] as string | undefined,
    columns: t.columns.filter((c) => !c.generated).map((c) => ({ name: c.name, baseType: c.baseType, isArray: c.isArray, listed: listed.get(t.name)?.has(c.name) ?? false })),
  }));
  const rootDefinition = draft.root ? draft.definitions.get(draft.root) : undefined;
  const rootKey = (rootDefinition?.['x-primary-key'] as string[] | undefined) ?? [];
  const references = [];
  const orders = [];
  for (const [table, definition] of draft.definitions) {
    const tenantColumn = definition['x-tenant-column'] as string | undefined;
    for (const [column, node] of Object.entries((definition.properties as Record<string, DraftNode> | undefined) ?? {})) {
      const after = (node['x-generate'] as { date?: { after?: unknown } } | undefined)?.date?.after;
      if (isAfter(after)) orders.push({ table, later: column, earlier: after });
      if (typeof node['x-ref'] !== 'string') continue;
      const ref = node['x-ref'] as string;
      const dot = ref.lastIndexOf('.');
      const parent = ref.slice(0, dot);
      const parentTenant = draft.definitions.get(parent)?.['x-tenant-column'] as string | undefined;
      const paired = tenantColumn !== undefined && parentTenant !== undefined;
      references.push({
        table, parent,
        columns: paired ? [tenantColumn!, column] : [column],
        parentColumns: paired ? [parentTenant!, ref.slice(dot + 1)] : [ref.slice(dot + 1)],
      });
    }
  }
  return { schema: snapshot.schema, tables, references, orders, ...(draft.root && rootKey.length > 0 ? { root: { table: draft.root, idColumn: rootKey[rootKey.length - 1] } } : {}) };
}

/**
 * The source's "now", at the next midnight (UTC): the median of the temporal columns' latest
 * dates (a column of expiry dates runs into the future; most end near the day the data was
 * read). The drafted profile's reference date; dates are drafted as days before it.
 */
function referenceDateOf(stats: SourceStatistics): number | undefined {
  const latest = stats.columns.filter((c) => c.kind === 'temporal')
    .map((c) => Math.max(...(c.histogram ?? []), ...(c.common ?? []).map((v) => v.value)))
    .filter(Number.isFinite).sort((a, b) => a - b);
  if (latest.length === 0) return undefined;
  return Math.ceil(latest[Math.floor(latest.length / 2)] / DAY_MS) * DAY_MS;
}

/** A JSON schema from the key paths and types the source's documents hold (names and types, no value). */
function jsonSchemaOf(keys: readonly JsonKey[], path: readonly string[], lengths?: readonly number[]): DraftNode | undefined {
  const here = keys.filter((k) => k.path.length === path.length && k.path.every((p, i) => p === path[i]));
  const types = [...new Set(here.map((k) => k.type))].filter((t) => t !== 'null');
  const nullable = here.some((k) => k.type === 'null');
  if (types.length !== 1) return types.length === 0 && nullable ? { type: 'null' } : undefined;
  const type = types[0];
  const withNull = (node: DraftNode): DraftNode => (nullable ? { ...node, type: [node.type as string, 'null'], 'x-null-probability': 0.1 } : node);
  if (type === 'object') {
    const children = [...new Set(keys.filter((k) => k.path.length === path.length + 1 && path.every((p, i) => k.path[i] === p) && k.path[path.length] !== '[]').map((k) => k.path[path.length]))].sort();
    const properties: Record<string, DraftNode> = {};
    const required: string[] = [];
    const parentPresence = Math.max(...here.map((k) => k.presence), 0);
    for (const child of children) {
      const node = jsonSchemaOf(keys, [...path, child]);
      if (!node) continue;
      properties[child] = node;
      const presence = Math.max(...keys.filter((k) => k.path.length === path.length + 1 && path.every((p, i) => k.path[i] === p) && k.path[path.length] === child).map((k) => k.presence));
      if (parentPresence > 0 && presence / parentPresence >= REQUIRED_PRESENCE) required.push(child);
    }
    return withNull({ type: 'object', properties, required, additionalProperties: false });
  }
  if (type === 'array') {
    const items = jsonSchemaOf(keys, [...path, '[]']) ?? { type: 'string' };
    const [min, max] = lengths ? [Math.round(lengths[1]), Math.max(Math.round(lengths[1]), Math.round(lengths[19]))] : [0, 3];
    return withNull({ type: 'array', items, minItems: min, maxItems: max });
  }
  if (type === 'string' || type === 'number' || type === 'boolean') return withNull({ type });
  return undefined;
}

/** The drafted node of a column, rewritten by what the source's statistics say of it. */
function learnedNode(node: DraftNode, stats: ColumnStatistics, referenceMs: number | undefined, column: SnapshotColumn): DraftNode | undefined {
  const nullable = typeList(node).includes('null');
  const nonNull = 1 - stats.nullFraction;
  const base: DraftNode = {};
  for (const [k, v] of Object.entries(node)) if (!['x-generate', 'x-faker', 'x-null-probability', 'x-weights', 'enum', 'pattern', 'format', 'minLength', 'maxLength'].includes(k)) base[k] = v;
  const nulls: DraftNode = nullable && stats.nullFraction > 0 ? { 'x-null-probability': round(stats.nullFraction) } : {};
  if (stats.kind === 'categorical' && stats.categories && stats.categories.length > 0) {
    const listed = Array.isArray(node.enum) ? (node.enum as unknown[]).filter((v) => v !== null) : undefined;
    const seen = stats.categories.map((c) => c.value);
    const values = listed && column.baseType !== 'bool' ? [...listed, ...seen.filter((v) => !listed.includes(v))] : column.baseType === 'bool' ? [true, false] : seen;
    const weights = values.map((v) => round((stats.categories!.find((c) => c.value === v)?.frequency ?? 0) / Math.max(nonNull, 1e-9), 6));
    if (weights.every((w) => w === 0)) return undefined;
    return { ...base, enum: values, 'x-weights': weights, ...nulls, 'x-spread': true };
  }
  if ((stats.kind === 'numeric' || stats.kind === 'temporal') && ((stats.histogram?.length ?? 0) >= 2 || (stats.common?.length ?? 0) > 0)) {
    if (stats.kind === 'temporal' && referenceMs === undefined) return undefined;
    const toUnit = (x: number) => (stats.kind === 'temporal' ? round((referenceMs! - x) / DAY_MS, 5) : x);
    const commonShare = (stats.common ?? []).map((c) => [toUnit(c.value), round(c.frequency / Math.max(nonNull, 1e-9), 6)] as [number, number]);
    const step = node.multipleOf as number | undefined;
    const decimals = step !== undefined ? Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) : 2;
    const distribution = {
      ...((stats.histogram?.length ?? 0) >= 2 ? { bounds: stats.histogram!.map(toUnit) } : {}),
      ...(commonShare.length > 0 ? { common: commonShare } : {}),
      ...(stats.kind === 'numeric' && typeList(node)[0] === 'number' ? { decimals } : {}),
    };
    const format = stats.kind === 'temporal' ? { format: column.baseType === 'date' ? 'date' : 'date-time' } : {};
    // A bound the source's own values pass is a rule (a CHECK, the type's precision); one they do not was a guess (a column meaning's range).
    const seen = [...(stats.histogram ?? []), ...(stats.common ?? []).map((c) => c.value)];
    const [lowest, highest] = [Math.min(...seen), Math.max(...seen)];
    const bounded: DraftNode = { ...base };
    if (stats.kind === 'numeric') {
      if (typeof bounded.maximum === 'number' && bounded.maximum < highest) delete bounded.maximum;
      if (typeof bounded.exclusiveMaximum === 'number' && bounded.exclusiveMaximum <= highest) delete bounded.exclusiveMaximum;
      if (typeof bounded.minimum === 'number' && bounded.minimum > lowest) delete bounded.minimum;
      if (typeof bounded.exclusiveMinimum === 'number' && bounded.exclusiveMinimum >= lowest) delete bounded.exclusiveMinimum;
    }
    return { ...bounded, ...format, 'x-generate': { distribution }, ...nulls, 'x-spread': true };
  }
  if (stats.kind === 'json' && stats.keys && stats.keys.length > 0) {
    const shape = jsonSchemaOf(stats.keys, [], stats.lengths);
    if (!shape) return undefined;
    const type = shape.type === 'object' || shape.type === 'array' ? (nullable ? [shape.type, 'null'] : shape.type) : node.type;
    return { ...base, ...shape, type, ...nulls, ...(Object.keys(nulls).length > 0 ? { 'x-spread': true } : {}) };
  }
  if (stats.kind === 'array' && stats.lengths) {
    return { ...node, minItems: Math.round(stats.lengths[1]), maxItems: Math.max(Math.round(stats.lengths[1]), Math.round(stats.lengths[19])), ...(nullable ? withNullFraction({}, stats) : {}) };
  }
  return nullable ? withNullFraction(node, stats) : undefined;
}

/**
 * A categorical node whose value of each tenant's first row is fixed (`x-first-row`: one owner
 * per tenant): the source's share of that value counts those first rows too, so the other rows
 * draw it only for what is left (none when the source holds one a tenant), and the other values
 * take the rest. Without it the value comes out once per tenant more than the source holds.
 */
function withFirstRowTaken(node: DraftNode, perTenant: CountDistribution | undefined, tableRows: number, nullFraction: number): DraftNode {
  const first = node['x-first-row'];
  const values = node.enum as unknown[];
  const weights = node['x-weights'] as number[];
  const rows = tableRows * (1 - nullFraction);
  if (!perTenant || rows <= 0) return node;
  // Tenants with a row: the share of the quantile points above 0, of the tenants counted.
  const withRows = perTenant.groups * (perTenant.quantiles.filter((q) => q > 0).length / perTenant.quantiles.length);
  const total = weights.reduce((a, w) => a + w, 0);
  if (total <= 0 || rows <= withRows) return node;
  const counts = weights.map((w, i) => (rows * w) / total - (values[i] === first ? withRows : 0));
  if (counts.every((c) => c <= 0)) return node;
  return { ...node, 'x-weights': counts.map((c) => round(Math.max(0, c) / (rows - withRows), 6)) };
}

/** Both dates' learned distributions (days before the reference date) for `date.byRank`, when the source's statistics hold both. */
function rankSpec(stats: SourceStatistics, table: string, earlier: string, later: string): DraftNode | undefined {
  const referenceMs = referenceDateOf(stats);
  const of = (column: string) => {
    const s = stats.columns.find((c) => c.table === table && c.column === column);
    if (!s || s.kind !== 'temporal' || referenceMs === undefined || (s.histogram?.length ?? 0) < 2) return undefined;
    const nonNull = Math.max(1 - s.nullFraction, 1e-9);
    const toDays = (x: number) => round((referenceMs - x) / DAY_MS, 5);
    return { bounds: s.histogram!.map(toDays), ...((s.common?.length ?? 0) > 0 ? { common: s.common!.map((c) => [toDays(c.value), round(c.frequency / nonNull, 6)]) } : {}) };
  };
  const [a, b] = [of(earlier), of(later)];
  return a && b ? { earlier: a, later: b } : undefined;
}

/** A nullable column's node with the source's null fraction, drawn at spread points. */
function withNullFraction(node: DraftNode, stats: ColumnStatistics): DraftNode {
  return { ...node, 'x-null-probability': round(stats.nullFraction), 'x-spread': true };
}

/** A node for a column the draft left to its default, when the source shows it varies. */
function nodeForDefaulted(column: SnapshotColumn, stats: ColumnStatistics): DraftNode | undefined {
  const varies = (stats.kind === 'categorical' && (stats.categories?.length ?? 0) >= 2)
    || ((stats.kind === 'numeric' || stats.kind === 'temporal') && ((stats.histogram?.length ?? 0) >= 2 || (stats.common?.length ?? 0) >= 2));
  if (!varies || column.identity === 'always') return undefined;
  const type = column.baseType === 'bool' ? 'boolean' : ['int2', 'int4', 'int8'].includes(column.baseType) ? 'integer' : stats.kind === 'numeric' ? 'number' : 'string';
  return { type: column.notNull ? type : [type, 'null'] };
}

/**
 * Rewrites a draft so that it reproduces the source's statistics: each column's node from what
 * was learned of it (categories and weights, null fraction, buckets, JSON shape, array
 * lengths), `x-per-parent` on references, and a profile with the source's tenants, rows per
 * tenant (`perTenant`) and a reference date at its latest date. Pure.
 *
 * @example
 * const learned = learnFromStatistics(draft, snapshot, await readSourceStatistics(source, statisticsRequest(snapshot, draft)));
 */
export function learnFromStatistics(draft: ProjectDraft, snapshot: SchemaSnapshot, stats: SourceStatistics): ProjectDraft {
  const findings: Finding[] = [];
  const referenceMs = referenceDateOf(stats);
  const definitions = new Map<string, DraftNode>();
  for (const [table, original] of draft.definitions) {
    const definition: DraftNode = { ...original, properties: { ...(original.properties as Record<string, DraftNode>) } };
    const properties = definition.properties as Record<string, DraftNode>;
    const required = new Set((definition.required as string[] | undefined) ?? []);
    const snapshotTable = snapshot.tables.find((t) => t.name === table);
    const learned: string[] = [];
    for (const column of snapshotTable?.columns ?? []) {
      const stat = stats.columns.find((c) => c.table === table && c.column === column.name);
      if (column.generated) continue;
      let node = properties[column.name];
      if (!node) {
        const fresh = stat && nodeForDefaulted(column, stat);
        if (!fresh) continue;
        node = fresh;
      }
      const after = (node['x-generate'] as { date?: { after?: unknown } } | undefined)?.date?.after;
      const order = isAfter(after) ? [after].flat().join(', else ') : undefined;
      if (order !== undefined && (stats.gaps?.[`${table}.${column.name}`]?.quantiles[0] ?? 0) < 0) {
        // The source has rows where this date comes before the one its name puts it after (no CHECK says
        // otherwise, or the rows could not exist): the order is no rule of the data, its own distribution is.
        const { 'x-generate': _order, ...free } = node;
        node = free;
        findings.push({ level: 'inferred', table, message: `${column.name} is not always after ${order} in the source: drafted from its own distribution, without the order` });
      }
      if (keptAsDrafted(definition, column.name, node)) {
        // Its rule stays; its null fraction and (a reference) its children per parent are the source's.
        let kept = stat && typeList(node).includes('null') ? withNullFraction(node, stat) : node;
        const gaps = stats.gaps?.[`${table}.${column.name}`];
        const date = (node['x-generate'] as { date?: Record<string, unknown> } | undefined)?.date;
        const window = stats.windows?.[`${table}.${column.name}`];
        const ranks = date && typeof date.after === 'string' ? rankSpec(stats, table, date.after, column.name) : undefined;
        if (date && ranks) {
          // Both dates learned: this one at the rank of its row's earlier date, each as the source holds it.
          const { gaps: _g, window: _w, maxDays: _m, ...rest } = date;
          kept = { ...kept, 'x-generate': { date: { ...rest, byRank: ranks } }, 'x-spread': true };
          learned.push(`${column.name} (its distribution, at the rank of ${date.after as string})`);
        } else if (date && isAfter(date.after) && window && window.rows > 0) {
          // The gap grows with the time left: a share of the window up to the reference date.
          kept = { ...kept, 'x-generate': { date: { ...date, window: window.quantiles.map((q) => round(Math.min(1, Math.max(0, q)), 5)) } }, 'x-spread': true };
          learned.push(`${column.name} (a share of the time after ${[date.after].flat().join(', else ')})`);
        } else if (date && isAfter(date.after) && gaps && gaps.rows > 0) {
          kept = { ...kept, 'x-generate': { date: { ...date, gaps: gaps.quantiles.map((q) => round(Math.max(0, q), 5)) } }, 'x-spread': true };
          learned.push(`${column.name} (days after ${[date.after].flat().join(', else ')})`);
        }
        const perParent = stats.childrenPerParent[`${table}.${column.name}`];
        if (typeof node['x-ref'] === 'string' && perParent && !((definition['x-unique-keys'] as string[][] | undefined) ?? []).flat().includes(column.name)) {
          kept = { ...kept, 'x-per-parent': perParent.quantiles.map((q) => round(q, 3)) };
          learned.push(`${column.name} (children per parent)`);
        } else if (kept !== node && !learned.some((l) => l.startsWith(`${column.name} (`))) learned.push(`${column.name} (nulls)`);
        properties[column.name] = kept;
        continue;
      }
      if (!stat) continue;
      // Rows the migrations made stay in the table, and must stay valid: a shape learned from a sample of keys could refuse them.
      if ((stat.kind === 'json' || stat.kind === 'array') && definition['x-existing-rows']) continue;
      let next = learnedNode(node, stat, referenceMs, column);
      if (!next) continue;
      if ('x-first-row' in next && Array.isArray(next['x-weights'])) next = withFirstRowTaken(next, stats.rowsPerTenant[table], stats.tableRows[table] ?? 0, stat.nullFraction);
      properties[column.name] = next;
      if (column.notNull) required.add(column.name);
      learned.push(column.name);
    }
    definition.required = [...required];
    definitions.set(table, definition);
    if (learned.length > 0) findings.push({ level: 'inferred', table, message: `learned from the source: ${learned.join(', ')}` });
  }

  const profile: DraftNode = { ...draft.profile };
  const tenants = { ...(profile.tenants as DraftNode) };
  const named = (tenants.named as unknown[] | undefined)?.length ?? 0;
  const counts = { ...(profile.counts as Record<string, number>) };
  const perTenant: Record<string, number[]> = {};
  if (draft.root) {
    const existing = ((draft.definitions.get(draft.root)?.['x-existing-rows'] as unknown[] | undefined) ?? []).length;
    tenants.generated = Math.max(0, (stats.tableRows[draft.root] ?? 0) - named - existing);
    delete tenants.sizes;
  }
  for (const [table, definition] of definitions) {
    const count = definition['x-count'] as { default: number; scale?: boolean } | undefined;
    const perTable = stats.rowsPerTenant[table];
    if (perTable && definition['x-tenant-column'] && count?.scale !== false) {
      perTenant[table] = perTable.quantiles.map((q) => round(q, 3));
      counts[table] = Math.max(1, Math.round(perTable.quantiles[10]));
    } else if (!definition['x-tenant-column'] && !definition['x-tenant-via'] && !definition['x-tenant-root'] && !definition['x-existing-rows'] && stats.tableRows[table] !== undefined) {
      counts[table] = stats.tableRows[table];
    } else if (definition['x-tenant-via'] && stats.tableRows[draft.root ?? ''] > 0 && stats.tableRows[table] !== undefined) {
      counts[table] = Math.round(stats.tableRows[table] / stats.tableRows[draft.root!]);
    }
  }
  profile.description = `Drafted by tenantseed introspect from schema ${snapshot.schema}, with the distributions of ${stats.database} (read as ${stats.role}): see learned-from.json`;
  if (referenceMs !== undefined) profile.referenceDate = new Date(referenceMs).toISOString().replace('.000Z', 'Z');
  profile.tenants = tenants;
  profile.counts = counts;
  if (Object.keys(perTenant).length > 0) profile.perTenant = perTenant;
  const skipped = stats.read.filter((r) => r.skipped);
  for (const r of skipped) findings.push({ level: 'warning', message: `not learned: ${r.what} (${r.skipped})` });
  return { ...draft, definitions, profile, findings: [...draft.findings, ...findings] };
}
