import { createHash, scryptSync } from 'node:crypto';
import { DefinitionError } from '../errors';
import type { DateRankSpec, DistributionSpec, GeneratorSpec, SchemaNode } from '../definitions';
import { combine, hashString, keyedUuid, KeyedRandom } from './keyed-random';
import RandExp from 'randexp';
import { FakerPools } from './pools';
import { keyedId } from './ids';
import { isoString, parseIso } from './iso-time';
import { quantileAt } from './spread-points';

/** One tenant of a plan. */
export interface TenantPlan {
  /** Position among the database's tenants: named first, then generated (then added ones). */
  readonly index: number;
  /** The fixture name: the slug of a named tenant, `#index` for a generated one. */
  readonly key: string;
  readonly hash: number;
  /** Multiplier of the per-tenant counts (the tenant's size class). */
  readonly scale: number;
  /** A UUID, a cuid or an integer, as the tenant table's id column asks. */
  readonly id: string | number;
  /** Stands for the rows with no tenant on purpose (their tenant column is NULL): see without-tenant.ts. */
  readonly withoutTenant?: true;
  /** A generated tenant's point in [0, 1): where it sits in the profile's rows-per-tenant quantiles (`perTenant`). */
  readonly point?: number;
}

/** What a value is made from: the row's keys and the values made so far. */
export interface RowContext {
  tenant?: TenantPlan;
  /** The row's position within its tenant (or table). */
  row: number;
  /** Keyed by seed, table, tenant and row. */
  rowKey: number;
  /** Keyed by seed, table and row only: the same in every tenant (deliberate collisions). */
  sharedKey: number;
  /** The fixed row this row comes from, if any. */
  fixed?: Record<string, unknown>;
  /** This row's values so far, by column name. */
  values: Record<string, unknown>;
}

/** Makes one value. */
export type ValueFn = (ctx: RowContext, rng: KeyedRandom) => unknown;

/** A generator whose values can be enumerated: what unique columns with a finite space need. */
export interface Indexable {
  readonly size: number;
  at(i: number): unknown;
}

/** A compiled generator: how to make a value, and (when known) its value space. */
export interface CompiledValue {
  readonly make: ValueFn;
  /** Finite spaces can be enumerated; `unique` spaces are distinct per row by construction. */
  readonly space:
    | { kind: 'finite'; indexable: Indexable }
    /** Distinct per row of a tenant; `acrossTenants` when also distinct between tenants (keyed by the tenant, or naming it). */
    | { kind: 'unique-by-row'; acrossTenants?: boolean }
    | { kind: 'random' };
  /**
   * The value at a point u of [0, 1) (the inverse of its distribution), for columns drawn at
   * evenly spread points (`x-spread`); generators without it draw from their random stream.
   */
  readonly fromPoint?: (u: number, ctx: RowContext) => unknown;
}

/** What compiling needs from the plan. */
export interface CompileContext {
  readonly pools: FakerPools;
  readonly seed: number;
  readonly referenceDateMs: number;
  readonly passwords: readonly string[];
  /** Where the schema is, for error messages: `file at /properties/x`. */
  readonly where: string;
  /** Hashes a password once per distinct plaintext. */
  hashPassword(plaintext: string): string;
  /** The tenant and table seed of this table. */
  readonly tableSeed: number;
  readonly tableName: string;
}

const DAY_MS = 86_400_000;

function fail(ctx: CompileContext, path: string, message: string, hint: string): never {
  throw new DefinitionError(`${ctx.where}${path}: ${message}`, { hint });
}

function finite(values: readonly unknown[]): CompiledValue {
  return {
    make: (_c, rng) => values[rng.int(values.length)],
    space: { kind: 'finite', indexable: { size: values.length, at: (i) => values[i] } },
    fromPoint: (u) => values[Math.min(values.length - 1, Math.floor(u * values.length))],
  };
}

function weighted(values: readonly unknown[], weights: readonly number[]): CompiledValue {
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w) / total);
  const at = (r: number) => {
    for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]) return values[i];
    return values[values.length - 1];
  };
  return {
    make: (_c, rng) => at(rng.next()),
    space: { kind: 'finite', indexable: { size: values.length, at: (i) => values[i] } },
    fromPoint: at,
  };
}

/**
 * `{distribution: {bounds, common, decimals}}`: values shared by many rows (`common`: value and
 * share of the non-null values), the rest spread over equal-frequency buckets between `bounds`
 * (what PostgreSQL's statistics hold), uniform within a bucket. A date column's bounds and common
 * values are days before the profile's reference date.
 */
function distributionValue(ctx: CompileContext, path: string, spec: DistributionSpec, schema: SchemaNode): CompiledValue {
  const bounds = spec.bounds ?? [];
  const common = spec.common ?? [];
  const commonShare = Math.min(1, common.reduce((a, [, share]) => a + share, 0));
  if (bounds.length < 2 && common.length === 0) fail(ctx, `${path}/distribution`, 'needs "bounds" (two or more) or "common" values', 'Give the bucket bounds, or the common values and their shares.');
  const integer = schema.type === 'integer' || (Array.isArray(schema.type) && schema.type.includes('integer'));
  const format = schema.format as string | undefined;
  const factor = 10 ** (spec.decimals ?? 2);
  const shape = (x: number): unknown => {
    if (format === 'date-time' || format === 'date') {
      const text = isoString(ctx.referenceDateMs - Math.round(x * DAY_MS / 1000) * 1000);
      return format === 'date' ? text.slice(0, 10) : text;
    }
    return integer ? Math.round(x) : Math.round(x * factor) / factor;
  };
  const at = (u: number): unknown => {
    if (u < commonShare || bounds.length < 2) {
      let sum = 0;
      for (const [value, share] of common) if (u < (sum += share)) return shape(value);
      return shape(common[common.length - 1][0]);
    }
    const v = ((u - commonShare) / (1 - commonShare)) * (bounds.length - 1);
    const i = Math.min(Math.floor(v), bounds.length - 2);
    const [lo, hi] = [bounds[i], bounds[i + 1]];
    // Integers: each whole number of the bucket alike (its upper bound is the next bucket's lower one).
    if (integer && format === undefined) return Math.min(Math.max(lo, hi), Math.floor(Math.min(lo, hi) + (v - i) * (Math.abs(hi - lo) + 1)));
    return shape(lo + (v - i) * (hi - lo));
  };
  return { make: (_c, rng) => at(rng.next()), space: { kind: 'random' }, fromPoint: at };
}

function fakerValue(ctx: CompileContext, path: string, spec: { faker: string; repeat?: [number, number]; separator?: string; case?: 'lower' | 'upper' | 'slug' }): CompiledValue {
  const pool = ctx.pools.pool(spec.faker, spec.case, `${ctx.where}${path}`);
  if (!spec.repeat) return finite(pool);
  const [min, max] = spec.repeat;
  const separator = spec.separator ?? ' ';
  return {
    make: (_c, rng) => {
      const n = rng.between(min, max);
      let text = pool[rng.int(pool.length)];
      for (let i = 1; i < n; i++) text += separator + pool[rng.int(pool.length)];
      return text;
    },
    space: { kind: 'random' },
  };
}

/** `{template: "{first}.{last}{row}@example.com", parts: {...}}`: parts are generators. */
function templateValue(ctx: CompileContext, path: string, spec: { template: string; parts?: Record<string, GeneratorSpec> }): CompiledValue {
  const segments: Array<string | { name: string; value?: CompiledValue; salt: number }> = [];
  const pattern = /\{([a-zA-Z0-9_.]+)\}/g;
  let last = 0;
  for (let m = pattern.exec(spec.template); m; m = pattern.exec(spec.template)) {
    if (m.index > last) segments.push(spec.template.slice(last, m.index));
    const name = m[1];
    const salt = hashString(`${path}{${name}}`);
    if (name === 'row' || name === 'tenant') segments.push({ name, salt });
    else if (spec.parts?.[name]) segments.push({ name, value: compileSpec(ctx, `${path}/parts/${name}`, spec.parts[name], {}), salt });
    else if (name.includes('.')) segments.push({ name, value: fakerValue(ctx, `${path}/template`, { faker: name }), salt });
    else fail(ctx, `${path}/template`, `the template names {${name}}, which is not a part`, `Add "${name}" to "parts", or use {row}, {tenant} or a Faker method such as {person.firstName}.`);
    last = m.index + m[0].length;
  }
  if (last < spec.template.length) segments.push(spec.template.slice(last));
  const byRow = segments.some((s) => typeof s !== 'string' && s.name === 'row');
  const parts = segments.filter((s): s is { name: string; value: CompiledValue; salt: number } => typeof s !== 'string' && s.value !== undefined);
  const make: ValueFn = (c, rng) => {
    let text = '';
    for (const s of segments) {
      if (typeof s === 'string') text += s;
      else if (s.name === 'row') text += String(c.row + 1);
      else if (s.name === 'tenant') text += c.tenant?.key ?? '';
      else text += String(s.value!.make(c, rng));
    }
    return text;
  };
  if (byRow) return { make, space: { kind: 'unique-by-row', acrossTenants: segments.some((s) => typeof s !== 'string' && s.name === 'tenant') } };
  if (parts.every((p) => p.value.space.kind === 'finite') && !segments.some((s) => typeof s !== 'string' && s.name === 'tenant')) {
    const radices = parts.map((p) => (p.value.space as { indexable: Indexable }).indexable);
    const size = radices.reduce((a, r) => a * r.size, 1);
    return {
      make,
      space: {
        kind: 'finite',
        indexable: {
          size,
          at: (i) => {
            let rest = i;
            const chosen = new Map<object, unknown>();
            for (const [k, p] of parts.entries()) {
              chosen.set(p, radices[k].at(rest % radices[k].size));
              rest = Math.floor(rest / radices[k].size);
            }
            return segments.map((s) => (typeof s === 'string' ? s : String(chosen.get(s)))).join('');
          },
        },
      },
    };
  }
  return { make, space: { kind: 'random' } };
}

/**
 * A distribution given as `distribution` holds it (common values and equal-frequency buckets),
 * read in order of its values: its CDF, and its quantile function (the CDF inverted by bisection).
 * `at` of a distribution takes the common values first; a rank needs them in their place.
 */
function orderedDistribution(spec: Pick<DistributionSpec, 'bounds' | 'common'>): { cdf: (x: number) => number; quantile: (u: number) => number } {
  const bounds = [...(spec.bounds ?? [])].sort((a, b) => a - b);
  const common = spec.common ?? [];
  const commonShare = Math.min(1, common.reduce((a, [, share]) => a + share, 0));
  const bucketShare = bounds.length >= 2 ? 1 - commonShare : 0;
  const total = commonShare + bucketShare || 1;
  const linear = (x: number) => {
    if (bounds.length < 2 || x < bounds[0]) return 0;
    if (x >= bounds[bounds.length - 1]) return 1;
    let i = 0;
    while (i < bounds.length - 2 && x >= bounds[i + 1]) i++;
    const width = bounds[i + 1] - bounds[i];
    return (i + (width > 0 ? (x - bounds[i]) / width : 1)) / (bounds.length - 1);
  };
  // Just before x: equal bounds are a jump of the buckets too.
  const below = (x: number, inclusive: boolean) => (common.reduce((a, [v, share]) => a + ((inclusive ? v <= x : v < x) ? share : 0), 0)
    + bucketShare * linear(inclusive ? x : x - Math.max(1e-9, Math.abs(x) * 1e-12))) / total;
  // The CDF is linear between knots (bounds and common values) and jumps at a common value: tabled
  // once at each knot (its value just before and at it), then read by binary search, row by row.
  const xs = [...new Set([...bounds, ...common.map(([v]) => v)])].sort((a, b) => a - b);
  const before = xs.map((x) => below(x, false));
  const at = xs.map((x) => below(x, true));
  const last = xs.length - 1;
  const search = (test: (i: number) => boolean) => {
    let [lo, hi] = [0, xs.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (test(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const cdf = (x: number) => {
    if (xs.length === 0 || x < xs[0]) return 0;
    if (x >= xs[last]) return at[last];
    const i = search((k) => xs[k] > x) - 1;
    return at[i] + ((before[i + 1] - at[i]) * (x - xs[i])) / (xs[i + 1] - xs[i]);
  };
  // The smallest x whose CDF reaches u.
  const quantile = (u: number) => {
    const i = search((k) => at[k] >= u);
    if (i > last) return xs[last];
    if (i === 0 || u >= before[i]) return xs[i];
    return xs[i - 1] + ((u - at[i - 1]) / (before[i] - at[i - 1])) * (xs[i] - xs[i - 1]);
  };
  return { cdf, quantile };
}

/**
 * `byRank`: the later date at the rank the earlier date has in its own distribution, never before
 * it. Distributions are in days before the reference date: a later time is fewer days, so ranks are
 * taken on minus the days.
 */
function rankedLater(ctx: CompileContext, spec: DateRankSpec): (from: number) => number {
  const negate = (d: Pick<DistributionSpec, 'bounds' | 'common'>) => ({ bounds: d.bounds?.map((x) => -x), common: d.common?.map(([v, s]) => [-v, s] as const) });
  const earlier = orderedDistribution(negate(spec.earlier));
  const later = orderedDistribution(negate(spec.later));
  return (from) => {
    const rank = earlier.cdf(-(ctx.referenceDateMs - from) / DAY_MS);
    return ctx.referenceDateMs + later.quantile(rank) * DAY_MS;
  };
}

function dateValue(ctx: CompileContext, path: string, spec: { daysBefore?: [number, number]; after?: string | string[]; maxDays?: number; strict?: boolean; gaps?: readonly number[]; window?: readonly number[]; byRank?: DateRankSpec }): CompiledValue {
  if (spec.after) {
    // Several columns: the first that has a value (`ended_at` after `last_activity_at`, else `started_at`).
    const after = typeof spec.after === 'string' ? [spec.after] : spec.after;
    const maxMs = (spec.maxDays ?? 30) * DAY_MS;
    const gaps = spec.gaps;
    const ranked = spec.byRank ? rankedLater(ctx, spec.byRank) : undefined;
    // `strict`: at least a second later (values are whole seconds), so `CHECK (b > a)` holds.
    const gap = spec.strict ? 1000 : 0;
    // The gap at a point u: uniform up to maxDays, the quantiles of a source's gaps (`gaps`, days),
    // or a share of the time left to the reference date (`window`).
    const later = (c: RowContext, u: number): string => {
      const earlier = after.map((column) => c.values[column]);
      const first = earlier.findIndex((v) => v !== null);
      const base = first < 0 ? null : earlier[first];
      // A nullable column it follows (`ended_at` after a `last_activity_at` not yet set): any date.
      if (base === null) return isoString(ctx.referenceDateMs - Math.floor(u * 365 * DAY_MS / 1000) * 1000);
      if (typeof base !== 'string') {
        throw new DefinitionError(`${ctx.where}${path}: "after": "${after.join('", "')}" must name date columns of the same table (with a value in every row)`, {
          hint: `Name non-null date columns of this table in "after", or use "daysBefore".`,
        });
      }
      const from = parseIso(base);
      // byRank: the rank of the first column named (another one's value: the gaps, as without it).
      if (ranked && first === 0) return isoString(from + gap + Math.max(0, Math.floor((ranked(from) - from) / 1000) * 1000));
      const ms = spec.window ? Math.max(0, quantileAt(spec.window, u)) * Math.max(0, ctx.referenceDateMs - from)
        : gaps ? Math.max(0, quantileAt(gaps, u)) * DAY_MS : u * maxMs;
      return isoString(from + gap + Math.floor(ms / 1000) * 1000);
    };
    return { make: (c, rng) => later(c, rng.next()), space: { kind: 'random' }, fromPoint: (u, c) => later(c, u) };
  }
  const [minDays, maxDays] = spec.daysBefore ?? [0, 365];
  return {
    make: (_c, rng) => {
      const seconds = Math.floor((minDays * DAY_MS + rng.next() * (maxDays - minDays) * DAY_MS) / 1000);
      return isoString(ctx.referenceDateMs - seconds * 1000);
    },
    space: { kind: 'random' },
  };
}

function integerRange(min: number, max: number, skew?: number): CompiledValue {
  if (max < min) throw new DefinitionError(`integer range [${min}, ${max}] is empty`, { hint: 'Give the smaller bound first.' });
  if (skew !== undefined && skew !== 1) {
    // Skewed to the low end (counts, sizes, amounts): min + floor((max - min + 1) * u^skew).
    return { make: (_c, rng) => Math.min(max, min + Math.floor((max - min + 1) * rng.next() ** skew)), space: { kind: 'random' } };
  }
  return {
    make: (_c, rng) => rng.between(min, max),
    space: { kind: 'finite', indexable: { size: max - min + 1, at: (i) => min + i } },
  };
}

function tokenValue(ctx: CompileContext, spec: { group: string; part: 'prefix' | 'sha256'; prefix?: string }): CompiledValue {
  const start = spec.prefix ?? 'ts_';
  const token = (c: RowContext) => {
    const secret = createHash('sha256').update(`${ctx.seed}\0${ctx.tableName}\0${c.tenant?.key ?? ''}\0${c.row}\0${spec.group}`).digest('hex');
    return { prefix: `${start}${c.row.toString(36).padStart(4, '0')}${secret.slice(0, 4)}`, secret: secret.slice(4, 44) };
  };
  if (spec.part === 'prefix') return { make: (c) => token(c).prefix, space: { kind: 'unique-by-row' } };
  // The plaintext key is prefix + secret; only its SHA-256 is ever stored or written.
  return { make: (c) => { const t = token(c); return createHash('sha256').update(t.prefix + t.secret).digest('hex'); }, space: { kind: 'unique-by-row', acrossTenants: true } };
}

/** The generator a schema implies when it has no x-generate. */
function inferred(ctx: CompileContext, path: string, schema: SchemaNode): CompiledValue {
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => t !== 'null' && t !== undefined) as string[];
  const type = types[0];
  if (schema.const !== undefined) return finite([schema.const]);
  if (Array.isArray(schema.enum)) {
    const values = (schema.enum as unknown[]).filter((v) => v !== null);
    const weights = schema['x-weights'] as number[] | undefined;
    return weights ? weighted(schema.enum as unknown[], weights) : finite(values);
  }
  if (typeof schema['x-faker'] === 'string') return fakerValue(ctx, path, { faker: schema['x-faker'] as string });
  switch (type) {
    case 'boolean':
      return finite([true, false]);
    case 'integer':
    case 'number': {
      // Bounds, exclusive bounds and the step all hold: a whole number of steps strictly inside.
      const integer = type === 'integer';
      const exclusiveMin = schema.exclusiveMinimum as number | undefined;
      const exclusiveMax = schema.exclusiveMaximum as number | undefined;
      const lower = Math.max((schema.minimum as number | undefined) ?? -Infinity, exclusiveMin ?? -Infinity);
      const upper = Math.min((schema.maximum as number | undefined) ?? Infinity, exclusiveMax ?? Infinity);
      const min = Number.isFinite(lower) ? lower : Number.isFinite(upper) ? Math.min(0, upper - 1000) : 0;
      const max = Number.isFinite(upper) ? upper : min + 1000;
      const step = (schema.multipleOf as number | undefined) ?? (integer ? 1 : 0.01);
      return steppedNumber(ctx, path, min, max, integer ? Math.max(1, step) : step, exclusiveMin, exclusiveMax);
    }
    case 'object':
      return objectValue(ctx, path, schema);
    case 'array':
      return arrayValue(ctx, path, schema);
    case 'string':
      switch (schema.format) {
        case 'uuid':
          return { make: (c) => keyedUuid(combine(c.rowKey, hashString(path)), c.row), space: { kind: 'unique-by-row', acrossTenants: true } };
        case 'date-time':
          return dateValue(ctx, path, {});
        case 'date': {
          const d = dateValue(ctx, path, {});
          return { make: (c, rng) => (d.make(c, rng) as string).slice(0, 10), space: { kind: 'random' } };
        }
        case 'email':
          return templateValue(ctx, path, { template: '{first}.{last}{row}@example.com', parts: { first: { faker: 'person.firstName', case: 'slug' }, last: { faker: 'person.lastName', case: 'slug' } } });
        case 'uri':
          return templateValue(ctx, path, { template: 'https://{host}/{slug}', parts: { host: { faker: 'internet.domainName' }, slug: { faker: 'lorem.slug' } } });
        default:
          if (typeof schema.pattern === 'string') return patternValue(ctx, path, schema.pattern, schema);
          return fakerValue(ctx, path, { faker: 'lorem.word' });
      }
    default:
      return fail(ctx, path, `cannot tell how to generate a value of type ${JSON.stringify(schema.type)}`, 'Give the column a "type", an "enum" or an "x-generate".');
  }
}

/** Digits after the decimal point of a step such as 0.01 (numeric(p, 2)). */
function decimalsOf(step: number): number {
  const text = String(step);
  const exponent = /e-(\d+)$/.exec(text);
  if (exponent) return Number(exponent[1]);
  return text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
}

/**
 * A whole number of `step`s between the bounds (`multipleOf`, a numeric(p, s) column; integers
 * step by 1), written exactly, never on an exclusive bound.
 */
function steppedNumber(ctx: CompileContext, path: string, min: number, max: number, step: number, exclusiveMin?: number, exclusiveMax?: number): CompiledValue {
  let lo = Math.ceil(min / step - 1e-9);
  let hi = Math.floor(max / step + 1e-9);
  if (exclusiveMin !== undefined && lo * step <= exclusiveMin + 1e-12) lo++;
  if (exclusiveMax !== undefined && hi * step >= exclusiveMax - 1e-12) hi--;
  if (hi < lo) fail(ctx, path, `no multiple of ${step} lies between ${min} and ${max}`, 'Widen "minimum"/"maximum" or change "multipleOf".');
  const decimals = decimalsOf(step);
  const at = (i: number) => Number(((lo + i) * step).toFixed(decimals));
  return {
    make: (_c, rng) => at(rng.int(hi - lo + 1)),
    space: { kind: 'finite', indexable: { size: hi - lo + 1, at } },
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * `minLength` and `maxLength` (a varchar(n) column) on made strings: too long is cut, too short
 * is padded with letters drawn from the value's own random stream (so still keyed).
 */
function withLength(value: CompiledValue, minLength: number, maxLength: number): CompiledValue {
  const fit = (v: unknown, rng?: KeyedRandom) => {
    if (typeof v !== 'string') return v;
    let text = v.length > maxLength ? v.slice(0, maxLength) : v;
    for (let i = 0; text.length < minLength; i++) text += LETTERS[rng ? rng.int(26) : (text.length * 7 + i) % 26];
    return text;
  };
  const space = value.space.kind === 'finite'
    ? { kind: 'finite' as const, indexable: { size: value.space.indexable.size, at: (i: number) => fit((value.space as { indexable: Indexable }).indexable.at(i)) } }
    : value.space;
  return { make: (c, rng) => fit(value.make(c, rng), rng), space };
}

/**
 * A string matching a regular expression (`pattern`), made by randexp with the value's keyed
 * random stream in place of Math.random. `minLength`/`maxLength` are tried for on a few draws.
 */
function patternValue(ctx: CompileContext, path: string, pattern: string, schema: SchemaNode): CompiledValue {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch (err) {
    return fail(ctx, `${path}/pattern`, `not a valid regular expression: ${(err as Error).message}`, 'Fix the pattern (ECMAScript syntax, as JSON Schema uses).');
  }
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = (schema.maxLength as number | undefined) ?? Infinity;
  const randexp = new RandExp(regex);
  randexp.max = Math.min(16, Number.isFinite(maxLength) ? maxLength : 16);
  return {
    make: (_c, rng) => {
      randexp.randInt = (a: number, b: number) => a + rng.int(b - a + 1);
      let text = randexp.gen();
      for (let attempt = 0; attempt < 20 && (text.length < minLength || text.length > maxLength); attempt++) text = randexp.gen();
      return text;
    },
    space: { kind: 'random' },
  };
}

function objectValue(ctx: CompileContext, path: string, schema: SchemaNode): CompiledValue {
  const properties = (schema.properties as Record<string, SchemaNode> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? Object.keys(properties));
  const fields = Object.entries(properties).map(([name, sub]) => ({
    name,
    optional: !required.has(name),
    salt: hashString(`${path}/properties/${name}`),
    value: compileSchema(ctx, `${path}/properties/${name}`, sub),
    nullProbability: (sub['x-null-probability'] as number | undefined) ?? 0,
  }));
  const inner = new KeyedRandom(0);
  return {
    make: (c, rng) => {
      const out: Record<string, unknown> = {};
      const base = rng.nextUint32();
      for (const f of fields) {
        inner.reset(combine(base, f.salt));
        if (f.optional && inner.next() < 0.3) continue;
        if (f.nullProbability > 0 && inner.next() < f.nullProbability) {
          out[f.name] = null;
          continue;
        }
        out[f.name] = f.value.make(c, inner);
      }
      return out;
    },
    space: { kind: 'random' },
  };
}

function arrayValue(ctx: CompileContext, path: string, schema: SchemaNode): CompiledValue {
  const items = compileSchema(ctx, `${path}/items`, (schema.items as SchemaNode | undefined) ?? { type: 'string' });
  const unique = schema.uniqueItems === true;
  const min = (schema.minItems as number | undefined) ?? 0;
  let max = (schema.maxItems as number | undefined) ?? min + 3;
  if (unique && items.space.kind === 'finite') {
    // Distinct items drawn without replacement: exactly as many as asked, if the items have them.
    const space = items.space.indexable;
    if (space.size < min) {
      fail(ctx, `${path}/minItems`, `${min} distinct items are needed, but the items have only ${space.size} values`, 'Lower "minItems", widen the items\' enum or range, or drop "uniqueItems".');
    }
    max = Math.min(max, space.size);
    return {
      make: (_c, rng) => {
        const n = rng.between(min, max);
        // Floyd's algorithm: n distinct indices of [0, size), in the order drawn.
        const chosen = new Set<number>();
        for (let j = space.size - n; j < space.size; j++) {
          const t = rng.int(j + 1);
          chosen.add(chosen.has(t) ? j : t);
        }
        return [...chosen].map((i) => space.at(i));
      },
      space: { kind: 'random' },
    };
  }
  return {
    make: (c, rng) => {
      const n = rng.between(min, max);
      const out: unknown[] = [];
      const seen = new Set<string>();
      for (let attempt = 0; out.length < n && attempt < n * 50 + 50; attempt++) {
        const value = items.make(c, rng);
        if (unique) {
          const key = JSON.stringify(value);
          if (seen.has(key)) continue;
          seen.add(key);
        }
        out.push(value);
      }
      if (out.length < min) {
        throw new DefinitionError(`${ctx.where}${path}: could not make ${min} distinct items`, { hint: 'Give the items an enum or a range with enough values, or lower "minItems".' });
      }
      return out;
    },
    space: { kind: 'random' },
  };
}

/**
 * The sum of other columns of the row (made before it, see the table plan's order), written
 * with as many decimals as its parts so that 0.1 + 0.2 is 0.3; null parts count as nothing.
 */
function sumValue(ctx: CompileContext, path: string, parts: readonly string[]): CompiledValue {
  return {
    make: (c) => {
      let sum = 0;
      let decimals = 0;
      for (const part of parts) {
        const value = c.values[part];
        if (value === null) continue;
        if (typeof value !== 'number') {
          fail(ctx, `${path}/sum`, `"${part}" must be a numeric column of the same table, made before this one`, 'Name numeric columns of this table in "sum".');
        }
        sum += value;
        decimals = Math.max(decimals, decimalsOf(value));
      }
      return Number(sum.toFixed(decimals));
    },
    space: { kind: 'random' },
  };
}

/** Compiles an explicit x-generate spec. */
export function compileSpec(ctx: CompileContext, path: string, spec: GeneratorSpec, schema: SchemaNode): CompiledValue {
  if (spec === 'uuid') return { make: (c) => keyedUuid(combine(c.rowKey, hashString(path)), c.row), space: { kind: 'unique-by-row', acrossTenants: true } };
  if (spec === 'cuid') return { make: (c) => keyedId('cuid', combine(c.rowKey, hashString(path)), c.row, { offset: 0 }), space: { kind: 'unique-by-row', acrossTenants: true } };
  if ('faker' in spec) return fakerValue(ctx, path, spec);
  if ('template' in spec) return templateValue(ctx, path, spec);
  if ('date' in spec) return dateValue(ctx, path, spec.date);
  if ('integer' in spec) return integerRange(spec.integer[0], spec.integer[1], spec.skew);
  if ('number' in spec) {
    const [min, max] = spec.number;
    const factor = 10 ** (spec.decimals ?? 2);
    const skew = spec.skew ?? 1;
    // A skew of 1 keeps the uniform draw (and every value already generated) as it was.
    const draw = skew === 1 ? (u: number) => u : (u: number) => u ** skew;
    return { make: (_c, rng) => Math.round((min + draw(rng.next()) * (max - min)) * factor) / factor, space: { kind: 'random' } };
  }
  if ('password' in spec) {
    const field = spec.password.plaintextField ?? 'password';
    return {
      make: (c, rng) => {
        const given = c.fixed?.[field];
        return ctx.hashPassword(typeof given === 'string' ? given : ctx.passwords[rng.int(ctx.passwords.length)]);
      },
      space: { kind: 'random' },
    };
  }
  if ('token' in spec) return tokenValue(ctx, spec.token);
  if ('const' in spec) return finite([spec.const]);
  if ('row' in spec) {
    const start = spec.row.start ?? 1;
    return { make: (c) => start + c.row, space: { kind: 'unique-by-row' } };
  }
  if ('sum' in spec) return sumValue(ctx, path, spec.sum);
  if ('distribution' in spec) return distributionValue(ctx, path, spec.distribution, schema);
  return fail(ctx, path, 'unknown x-generate', 'See docs/definitions.md for the generators.');
}

/** Compiles a (column or nested) schema: its x-generate if any, else what its type implies. */
export function compileSchema(ctx: CompileContext, path: string, schema: SchemaNode): CompiledValue {
  const spec = schema['x-generate'] as GeneratorSpec | undefined;
  const value = spec !== undefined ? compileSpec(ctx, `${path}/x-generate`, spec, schema) : inferred(ctx, path, schema);
  const constrained = typeof schema.maxLength === 'number' || typeof schema.minLength === 'number';
  if (!constrained || schema.enum !== undefined || schema.const !== undefined || typeof schema.pattern === 'string') return value;
  return withLength(value, (schema.minLength as number | undefined) ?? 0, (schema.maxLength as number | undefined) ?? Infinity);
}

/** Hashes passwords the way the product stores them: scrypt, parameters and salt in the hash. */
export function passwordHasher(seed: number): (plaintext: string) => string {
  const cache = new Map<string, string>();
  const N = 16384;
  const r = 8;
  const p = 1;
  return (plaintext) => {
    let hash = cache.get(plaintext);
    if (!hash) {
      // A deterministic salt (from the seed) keeps generated output reproducible; real
      // applications use a random salt per hash, and verify both the same way.
      const salt = createHash('sha256').update(`tenantseed-salt\0${seed}\0${plaintext}`).digest().subarray(0, 16);
      const key = scryptSync(plaintext, salt, 32, { N, r, p });
      hash = `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
      cache.set(plaintext, hash);
    }
    return hash;
  };
}
