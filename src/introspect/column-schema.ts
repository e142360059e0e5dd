import type { SnapshotColumn } from '../db';
import type { CheckFacts } from './read-check';
import { jsonDefault, jsonShape } from './json-shape';
import { booleanWeights, enumWeights, oncePerTenant, orderedAfter, PLAIN_WORD, readColumnMeaning, ReadMeaning } from './column-meaning';

/** A JSON-Schema node of a drafted definition. */
export type DraftNode = Record<string, unknown>;

/** What a column's schema is drafted from, beyond the column itself. */
export interface ColumnContext {
  readonly table: string;
  /** The table is the tenant root. */
  readonly root: boolean;
  /** What its CHECK constraints say. */
  readonly facts: CheckFacts;
  /** Unique by itself: `tenant` (with the tenant column) or `global`. */
  readonly unique?: 'tenant' | 'global';
  /** The table is tenant-scoped (a global-unique value must then differ across tenants). */
  readonly tenantScoped: boolean;
  /** Other columns of the table (for name heuristics: an email column makes `name` a person's). */
  readonly siblings: readonly string[];
  /** The table's other timestamps (for `updated_at` after `created_at`, wherever each stands). */
  readonly timestamps: readonly string[];
}

const INTEGER_RANGES: Record<string, [number, number]> = { int2: [-32768, 32767], int4: [-2147483648, 2147483647], int8: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);
const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp']);

/** What a column's meaning (column-meaning.ts) drafts for it, if any. */
function meaningOf(column: SnapshotColumn, context: ColumnContext): ReadMeaning | undefined {
  return readColumnMeaning({ name: column.name, baseType: column.baseType, maxLength: column.maxLength, comment: column.comment, root: context.root, siblings: context.siblings });
}

/**
 * A meaning's labels that fit the column's length (`varchar(10)` holds no `claude-sonnet-4`),
 * with their weights; no meaning when none fits.
 */
function fitLabels(node: DraftNode | undefined, maxLength: number): DraftNode | undefined {
  if (!node || !Array.isArray(node.enum)) return node;
  const weights = node['x-weights'] as number[] | undefined;
  const keep = (node.enum as string[]).map((label, i) => ({ label, weight: weights?.[i] })).filter((l) => l.label.length <= maxLength);
  if (keep.length === 0) return undefined;
  return { ...node, enum: keep.map((l) => l.label), ...(weights ? { 'x-weights': keep.map((l) => l.weight) } : {}) };
}

/**
 * The template a column's name suggests that makes distinct values (a `{row}` in it, or Faker
 * pools alone, as an email's `{first}.{last}@{domain}`), with values of its shape: a unique
 * column whose CHECK pattern they fit keeps the look of its name.
 */
function rowTemplateOfMeaning(column: SnapshotColumn, context: ColumnContext): { generate: DraftNode; samples: string[] } | undefined {
  const generate = meaningOf(column, context)?.node['x-generate'] as DraftNode | undefined;
  const template = generate?.template;
  if (typeof template !== 'string') return undefined;
  const parts = (generate!.parts ?? {}) as Record<string, { faker?: string; repeat?: unknown }>;
  // Distinct values: a row number, or only Faker pools (drawn without repetition: `first.last@domain`).
  const enumerable = !/\{(row|tenant)\}/.test(template) && Object.values(parts).every((p) => typeof p.faker === 'string' && p.repeat === undefined);
  if (!template.includes('{row}') && !enumerable) return undefined;
  const sample = (row: string) => template.replace(/\{(\w+)\}/g, (_whole, part: string) => (part === 'row' ? row : /domain/i.test(parts[part]?.faker ?? '') ? 'example-mail.com' : 'lorem'));
  return { generate: generate!, samples: [sample('1'), sample('123456')] };
}

/** A text column's schema: pattern, enum, lowercase, name heuristics, uniqueness, length. */
function textSchema(column: SnapshotColumn, context: ColumnContext): DraftNode {
  const { facts } = context;
  const node: DraftNode = { type: 'string' };
  // The declared length and a CHECK's `char_length(col) <= n`, whichever is tighter.
  const maxLength = Math.min(column.maxLength ?? Infinity, facts.maxLength ?? Infinity);
  if (Number.isFinite(maxLength)) node.maxLength = maxLength;
  if (facts.minLength) node.minLength = facts.minLength;
  if (facts.pattern) {
    // A pattern is made from the regular expression itself (randexp); names give way to it.
    // randexp promises no distinct values: a unique column gets a {row} template when what
    // such templates make (a lowercase word, a dash, digits) fits the pattern.
    node.pattern = facts.pattern;
    if (context.unique) {
      const fits = (samples: string[]) => samples.every((s) => new RegExp(facts.pattern!, 'u').test(s));
      const tenantPart = context.unique === 'global' && context.tenantScoped ? '{tenant}-' : '';
      // {tenant} is a named tenant's slug, or #N for a generated one.
      const meant = tenantPart ? undefined : rowTemplateOfMeaning(column, context);
      if (meant && fits(meant.samples)) node['x-generate'] = meant.generate;
      else if (fits(tenantPart ? ['acme-lorem-1', '#12-ipsum-123456'] : ['lorem-1', 'ipsum-123456'])) node['x-generate'] = { template: `${tenantPart}{word}-{row}`, parts: { word: { faker: PLAIN_WORD, case: 'slug' } } };
      else if (!tenantPart && fits(['1', '123456'])) node['x-generate'] = { template: '{row}' };
    }
    return node;
  }
  const byName = fitLabels(meaningOf(column, context)?.node, maxLength);
  const uniqueTemplate = (word: DraftNode): DraftNode => {
    const tenantPart = context.unique === 'global' && context.tenantScoped ? '{tenant}-' : '';
    if (maxLength < 24) return { template: `${tenantPart}{row}` };
    return { template: `${tenantPart}{word}-{row}`, parts: { word } };
  };
  if (byName) {
    Object.assign(node, byName);
    const generate = node['x-generate'] as DraftNode | undefined;
    const template = generate && typeof generate.template === 'string' ? generate.template : undefined;
    // A unique SHA-256 hex digest (an API key's hash): a {row} template would not fit its
    // pattern, and the token generator makes distinct digests of that shape.
    // Another name-made pattern (a token's alphabet and length) cannot promise distinct values,
    // and a {row} template does not fit it: the column's uniqueness wins over its look.
    // A template of Faker pools alone (an email's first.last@domain) is enumerable: a unique
    // column draws it without repetition, across tenants too, so it needs no row number.
    const parts = Object.values((generate?.parts ?? {}) as Record<string, DraftNode>);
    const enumerable = template !== undefined && !/\{(row|tenant)\}/.test(template) && parts.every((p) => typeof p.faker === 'string' && p.repeat === undefined);
    if (context.unique && node.pattern === '^[0-9a-f]{64}$') {
      node['x-generate'] = { token: { group: column.name, part: 'sha256' } };
    } else if (context.unique && enumerable) {
      // Drawn without repetition (see above).
    } else if (context.unique && typeof node.pattern === 'string' && !(template && template.includes('{row}'))) {
      delete node.pattern;
      delete node.minLength;
      delete node['x-faker'];
      node['x-generate'] = uniqueTemplate({ faker: PLAIN_WORD, case: 'slug' });
    } else if (context.unique && (!template || !template.includes('{row}'))) {
      const faker = node['x-faker'] as string | undefined;
      delete node['x-faker'];
      node['x-generate'] = uniqueTemplate({ faker: faker ?? PLAIN_WORD, case: 'slug' });
    } else if (context.unique === 'global' && context.tenantScoped && template && !template.includes('{tenant}')) {
      node['x-generate'] = { ...generate, template: template.replace('{row}', '{tenant}-{row}') };
    }
  } else if (context.unique) {
    node['x-generate'] = uniqueTemplate({ faker: PLAIN_WORD, case: 'slug' });
  } else {
    node['x-faker'] = PLAIN_WORD;
  }
  if (facts.minLength && ((node.minLength as number | undefined) ?? 0) < facts.minLength) node.minLength = facts.minLength;
  if (facts.lowercase) {
    const generate = node['x-generate'] as DraftNode | undefined;
    if (typeof node['x-faker'] === 'string') {
      node['x-generate'] = { faker: node['x-faker'], case: 'lower' };
      delete node['x-faker'];
    } else if (generate && typeof generate.template === 'string') {
      // Templates' parts are lowered; a literal part of the template is the migration's to keep lowercase.
      const parts = (generate.parts ?? {}) as Record<string, DraftNode>;
      node['x-generate'] = { ...generate, parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.case ? v : { ...v, case: 'lower' }])) };
    }
  }
  return node;
}

function numberSchema(column: SnapshotColumn, context: ColumnContext, integer: boolean): DraftNode {
  const { facts } = context;
  const node: DraftNode = { type: integer ? 'integer' : 'number' };
  const [typeMin, typeMax] = INTEGER_RANGES[column.baseType] ?? [-1e15, 1e15];
  let max = typeMax;
  let min = typeMin;
  if (column.precision !== undefined && column.scale !== undefined) {
    const step = 10 ** -column.scale;
    max = Number((10 ** (column.precision - column.scale) - step).toFixed(column.scale));
    min = -max;
    if (column.scale > 0) node.multipleOf = Number(step.toFixed(column.scale));
  }
  const lower = facts.minimum ?? facts.exclusiveMinimum;
  const upper = facts.maximum ?? facts.exclusiveMaximum;
  // Without bounds from a CHECK, values between 0 and 1000 (within the type).
  const from = lower ?? (upper !== undefined && upper <= 0 ? upper - 1000 : Math.max(0, min));
  const to = upper ?? Math.min(max, from + 1000);
  if (facts.exclusiveMinimum !== undefined) node.exclusiveMinimum = facts.exclusiveMinimum;
  else node.minimum = Math.max(from, min);
  if (facts.exclusiveMaximum !== undefined) node.exclusiveMaximum = facts.exclusiveMaximum;
  else node.maximum = Math.min(to, max);
  const range = meaningOf(column, context)?.range;
  if (range) {
    // The meaning's range, inside what the type and the CHECKs allow (and their exclusive bounds).
    const step = integer ? 1 : (node.multipleOf as number | undefined) ?? 0.01;
    const low = Math.max(range.min, lower ?? min, min) + (facts.exclusiveMinimum !== undefined && range.min <= facts.exclusiveMinimum ? step : 0);
    const high = Math.min(range.max, upper ?? max, max) - (facts.exclusiveMaximum !== undefined && range.max >= facts.exclusiveMaximum ? step : 0);
    const [from, to] = integer ? [Math.ceil(low), Math.floor(high)] : [low, high];
    if (from <= to) {
      // The drafted bounds were a guess (0 to 1000) where no CHECK gave one: the meaning's replace it.
      if (lower === undefined) node.minimum = from;
      if (upper === undefined) node.maximum = to;
      const skew = range.skew !== 1 ? { skew: range.skew } : {};
      node['x-generate'] = integer ? { integer: [from, to], ...skew } : { number: [from, to], decimals: column.scale ?? 2, ...skew };
    }
  }
  return node;
}

/** Values for types the generator has no keyword for, written as constants or Faker methods. */
const OTHER_TYPES: Record<string, DraftNode> = {
  inet: { type: 'string', 'x-faker': 'internet.ipv4' },
  cidr: { type: 'string', const: '192.0.2.0/24' },
  macaddr: { type: 'string', 'x-faker': 'internet.mac' },
  interval: { type: 'string', const: '1 day' },
  time: { type: 'string', pattern: '^(0[89]|1[0-7]):[0-5][0-9]:00$' },
  timetz: { type: 'string', pattern: '^(0[89]|1[0-7]):[0-5][0-9]:00\\+00$' },
};

/** The schema of one value of a base type (a column, or an array's items); undefined when unsupported. */
function baseSchema(column: SnapshotColumn, context: ColumnContext): DraftNode | undefined {
  const { facts } = context;
  const weighted = (labels: (string | number)[]): DraftNode => {
    const weights = enumWeights(column.name, labels);
    const owner = context.tenantScoped && !context.unique ? oncePerTenant(column.name, labels) : undefined;
    // One owner per tenant: its first row, and no other (weight 0).
    if (owner !== undefined) return { enum: labels, 'x-weights': labels.map((l, i) => (l === owner ? 0 : weights?.[i] ?? 10)), 'x-first-row': owner };
    return weights ? { enum: labels, 'x-weights': weights } : { enum: labels };
  };
  if (column.enumLabels) return weighted(facts.enum ? column.enumLabels.filter((l) => facts.enum!.includes(l)) : [...column.enumLabels]);
  if (facts.enum) return weighted([...facts.enum]);
  const base = column.baseType;
  if (base === 'uuid') return { type: 'string', format: 'uuid' };
  if (TEXT_TYPES.has(base)) return textSchema(column, context);
  if (base === 'int2' || base === 'int4' || base === 'int8') return numberSchema(column, context, true);
  if (base === 'numeric' || base === 'float4' || base === 'float8') {
    const node = numberSchema(column, context, false);
    if (node.multipleOf === undefined && (base === 'numeric' || base.startsWith('float'))) node.multipleOf = 0.01;
    return node;
  }
  if (base === 'bool') return { type: 'boolean', ...booleanWeights(column.name) };
  if (base === 'date') return { type: 'string', format: 'date' };
  if (TIMESTAMP_TYPES.has(base)) {
    const after = orderedAfter(column.name, context.timestamps);
    // The nearest timestamp it follows, and the next ones for rows where that one is null.
    if (after) return { type: 'string', format: 'date-time', 'x-generate': { date: { after: after.then.length > 0 ? [after.column, ...after.then] : after.column, maxDays: after.maxDays } } };
    return { type: 'string', format: 'date-time', 'x-generate': { date: { daysBefore: [0, 365] } } };
  }
  if (base === 'json' || base === 'jsonb') {
    // Open shapes: rows already there (made by migrations, or by the application) hold any JSON,
    // and the json-schema check reads them against this; generated items are words.
    // A default, `jsonb_typeof` and `?` keys in CHECKs give it a shape (json-shape.ts).
    if (/^'\[/.test(column.default ?? '') && jsonDefault(column.default) === undefined) return { type: 'array', items: { 'x-faker': PLAIN_WORD } };
    return jsonShape(column.default, context.facts, column.comment);
  }
  return OTHER_TYPES[base] ? { ...OTHER_TYPES[base] } : undefined;
}

/**
 * The JSON Schema of a column, from its type, its CHECK constraints and its name: undefined
 * when tenantseed has no way to make its values (a `bytea`, a geometric type, ...).
 *
 * @example
 * draftColumnSchema({ name: 'email', baseType: 'text', ... }, context) // { type: 'string', format: 'email', 'x-generate': {...} }
 */
export function draftColumnSchema(column: SnapshotColumn, context: ColumnContext): DraftNode | undefined {
  if (column.isArray) {
    // Items are no row's one value: no first-row label among them (tenantScoped: false).
    const items = baseSchema({ ...column, isArray: false, maxLength: undefined }, { ...context, unique: undefined, facts: {}, tenantScoped: false });
    if (!items) return undefined;
    return { type: 'array', maxItems: 3, ...(column.enumLabels ? { uniqueItems: true } : {}), items };
  }
  return baseSchema(column, context);
}
