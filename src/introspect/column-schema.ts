import type { SnapshotColumn } from '../db';
import type { CheckFacts } from './read-check';

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
  /** Earlier columns of the table (for `updated_at` after `created_at`). */
  readonly earlier: readonly string[];
}

const INTEGER_RANGES: Record<string, [number, number]> = { int2: [-32768, 32767], int4: [-2147483648, 2147483647], int8: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);
const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp']);

/** A Faker method (or template) for a text column, from its name. */
function textByName(column: string, context: ColumnContext): DraftNode | undefined {
  const name = column.toLowerCase();
  const has = (re: RegExp) => re.test(name);
  if (has(/(^|_)e?mail(_address)?$|email/)) {
    return { format: 'email', 'x-generate': { template: '{first}.{last}{row}@{domain}', parts: { first: { faker: 'person.firstName', case: 'slug' }, last: { faker: 'person.lastName', case: 'slug' }, domain: { faker: 'internet.domainName', case: 'lower' } } } };
  }
  if (has(/password/)) return { 'x-generate': { password: {} } };
  if (has(/^first_?name$|^given_?name$/)) return { 'x-faker': 'person.firstName' };
  if (has(/^last_?name$|^family_?name$|^surname$/)) return { 'x-faker': 'person.lastName' };
  if (has(/^(full_?name|display_?name|author|owner_name|contact_name)$/)) return { 'x-faker': 'person.fullName' };
  if (has(/^(user_?name|handle|login)$/)) return { 'x-faker': 'internet.username' };
  if (has(/^(company|company_name|client|organi[sz]ation|vendor|customer_name)$/)) return { 'x-faker': 'company.name' };
  if (has(/^name$/)) return { 'x-faker': context.root ? 'company.name' : context.siblings.some((s) => /email/i.test(s)) ? 'person.fullName' : 'commerce.productName' };
  if (has(/(^|_)(title|subject|headline)$/)) return { 'x-faker': 'company.catchPhrase' };
  if (has(/(^|_)(url|website|homepage|link)$/)) return { 'x-faker': 'internet.url' };
  if (has(/(^|_)(phone|mobile|fax)(_number)?$/)) return { 'x-faker': 'phone.number' };
  if (has(/(^|_)city$/)) return { 'x-faker': 'location.city' };
  if (has(/(^|_)country(_name)?$/)) return { 'x-faker': 'location.country' };
  if (has(/(^|_)country_code$/)) return { 'x-faker': 'location.countryCode' };
  if (has(/(^|_)(address|street)(_line_?1)?$/)) return { 'x-faker': 'location.streetAddress' };
  if (has(/(^|_)(zip|postal_?code|postcode)$/)) return { 'x-faker': 'location.zipCode' };
  if (has(/(^|_)state$/)) return { 'x-faker': 'location.state' };
  if (has(/(^|_)(description|body|content|bio|notes?|summary|comment|message|text)$/)) return { 'x-faker': 'lorem.sentence' };
  if (has(/(^|_)(file_?name)$/)) return { 'x-faker': 'system.fileName' };
  if (has(/(^|_)(mime_?type|content_type)$/)) return { 'x-faker': 'system.mimeType' };
  if (has(/(^|_)(ip|ip_address)$/)) return { 'x-faker': 'internet.ipv4' };
  if (has(/(^|_)(currency|currency_code)$/)) return { 'x-faker': 'finance.currencyCode' };
  if (has(/(^|_)colou?r$/)) return { 'x-faker': 'color.human' };
  if (has(/(^|_)(slug|code|key|handle|subdomain)$/)) return { 'x-generate': { template: '{word}-{row}', parts: { word: { faker: 'lorem.word', case: 'slug' } } } };
  return undefined;
}

/** A text column's schema: pattern, enum, lowercase, name heuristics, uniqueness, length. */
function textSchema(column: SnapshotColumn, context: ColumnContext): DraftNode {
  const { facts } = context;
  const node: DraftNode = { type: 'string' };
  if (column.maxLength) node.maxLength = column.maxLength;
  if (facts.pattern) {
    // A pattern is made from the regular expression itself (randexp); names give way to it.
    // randexp promises no distinct values: a unique column gets a {row} template when what
    // such templates make (a lowercase word, a dash, digits) fits the pattern.
    node.pattern = facts.pattern;
    if (context.unique) {
      const fits = (samples: string[]) => samples.every((s) => new RegExp(facts.pattern!, 'u').test(s));
      const tenantPart = context.unique === 'global' && context.tenantScoped ? '{tenant}-' : '';
      // {tenant} is a named tenant's slug, or #N for a generated one.
      if (fits(tenantPart ? ['acme-lorem-1', '#12-ipsum-123456'] : ['lorem-1', 'ipsum-123456'])) node['x-generate'] = { template: `${tenantPart}{word}-{row}`, parts: { word: { faker: 'lorem.word', case: 'slug' } } };
      else if (!tenantPart && fits(['1', '123456'])) node['x-generate'] = { template: '{row}' };
    }
    return node;
  }
  const byName = textByName(column.name, context);
  const uniqueTemplate = (word: DraftNode): DraftNode => {
    const tenantPart = context.unique === 'global' && context.tenantScoped ? '{tenant}-' : '';
    if (column.maxLength !== undefined && column.maxLength < 24) return { template: `${tenantPart}{row}` };
    return { template: `${tenantPart}{word}-{row}`, parts: { word } };
  };
  if (byName) {
    Object.assign(node, byName);
    const generate = node['x-generate'] as DraftNode | undefined;
    const template = generate && typeof generate.template === 'string' ? generate.template : undefined;
    if (context.unique && (!template || !template.includes('{row}'))) {
      const faker = node['x-faker'] as string | undefined;
      delete node['x-faker'];
      node['x-generate'] = uniqueTemplate({ faker: faker ?? 'lorem.word', case: 'slug' });
    } else if (context.unique === 'global' && context.tenantScoped && template && !template.includes('{tenant}')) {
      node['x-generate'] = { ...generate, template: template.replace('{row}', '{tenant}-{row}') };
    }
  } else if (context.unique) {
    node['x-generate'] = uniqueTemplate({ faker: 'lorem.word', case: 'slug' });
  } else {
    node['x-faker'] = 'lorem.word';
  }
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

function numberSchema(column: SnapshotColumn, facts: CheckFacts, integer: boolean): DraftNode {
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
  if (column.enumLabels) return { enum: facts.enum ? column.enumLabels.filter((l) => facts.enum!.includes(l)) : [...column.enumLabels] };
  if (facts.enum) return { enum: [...facts.enum] };
  const base = column.baseType;
  if (base === 'uuid') return { type: 'string', format: 'uuid' };
  if (TEXT_TYPES.has(base)) return textSchema(column, context);
  if (base === 'int2' || base === 'int4' || base === 'int8') return numberSchema(column, facts, true);
  if (base === 'numeric' || base === 'float4' || base === 'float8') {
    const node = numberSchema(column, facts, false);
    if (node.multipleOf === undefined && (base === 'numeric' || base.startsWith('float'))) node.multipleOf = 0.01;
    return node;
  }
  if (base === 'bool') return { type: 'boolean' };
  if (base === 'date') return { type: 'string', format: 'date' };
  if (TIMESTAMP_TYPES.has(base)) {
    const name = column.name.toLowerCase();
    if (name === 'updated_at' && context.earlier.includes('created_at')) return { type: 'string', format: 'date-time', 'x-generate': { date: { after: 'created_at', maxDays: 30 } } };
    return { type: 'string', format: 'date-time', 'x-generate': { date: { daysBefore: [0, 365] } } };
  }
  if (base === 'json' || base === 'jsonb') {
    // Open shapes: rows already there (made by migrations, or by the application) hold any JSON,
    // and the json-schema check reads them against this; generated items are words.
    return /^'\[/.test(column.default ?? '') ? { type: 'array', items: { 'x-faker': 'lorem.word' } } : { type: 'object' };
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
    const items = baseSchema({ ...column, isArray: false, maxLength: undefined }, { ...context, unique: undefined, facts: {} });
    if (!items) return undefined;
    return { type: 'array', maxItems: 3, ...(column.enumLabels ? { uniqueItems: true } : {}), items };
  }
  return baseSchema(column, context);
}
