import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { createAjv, loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, Plan } from '../../../src/generate';
import { CLI } from '../../support/run-cli';

/**
 * The generator's promises, for definitions nobody wrote by hand: random definitions built from
 * every keyword the generator accepts give rows that are valid under ajv, with unique columns
 * and unique tuples unique, byte for byte the same in processes that differ in time zone and
 * locale. A fixed number of cases runs in `npm test`; to replay a failure or run more:
 *
 *   npm run test:properties -- --seed <seed printed by fast-check> --runs 2000 [--other-node /path/to/node22]
 */
const SEED = Number(process.env.TENANTSEED_PROPERTY_SEED ?? 20261124);
const RUNS = Number(process.env.TENANTSEED_PROPERTY_RUNS ?? 40);

type Schema = Record<string, unknown>;

const PATTERNS = ['^[A-Z]{2}-[0-9]{3}$', '^[a-z]{3,8}$', '^(draft|live)-[0-9]{1,2}$', '^[0-9a-f]{8}$'];
const FORMATS = ['date-time', 'date', 'email', 'uuid', 'uri'];

const word = fc.stringMatching(/^[a-z]{2,8}$/);
const enumValues = (min: number, max: number) => fc.uniqueArray(word, { minLength: min, maxLength: max });

const integerColumn: fc.Arbitrary<Schema> = fc.record({
  minimum: fc.integer({ min: -1000, max: 1000 }),
  span: fc.integer({ min: 10, max: 5000 }),
  multipleOf: fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }),
  exclusive: fc.boolean(),
}).map(({ minimum, span, multipleOf, exclusive }) => ({
  type: 'integer',
  ...(exclusive ? { exclusiveMinimum: minimum, exclusiveMaximum: minimum + span } : { minimum, maximum: minimum + span }),
  ...(multipleOf ? { multipleOf } : {}),
}));

const numberColumn: fc.Arbitrary<Schema> = fc.record({
  minimum: fc.integer({ min: -100, max: 100 }),
  span: fc.integer({ min: 3, max: 1000 }),
  multipleOf: fc.constantFrom(0.01, 0.1, 0.25, 0.5, 1, undefined),
  exclusive: fc.boolean(),
}).map(({ minimum, span, multipleOf, exclusive }) => ({
  type: 'number',
  ...(exclusive ? { exclusiveMinimum: minimum, exclusiveMaximum: minimum + span } : { minimum, maximum: minimum + span }),
  ...(multipleOf !== undefined ? { multipleOf } : {}),
}));

const stringColumn: fc.Arbitrary<Schema> = fc.oneof(
  fc.record({ min: fc.integer({ min: 0, max: 6 }), extra: fc.integer({ min: 0, max: 20 }) }).map(({ min, extra }) => ({ type: 'string', minLength: min, maxLength: min + extra })),
  fc.constantFrom(...PATTERNS).map((pattern) => ({ type: 'string', pattern })),
  fc.constantFrom(...FORMATS).map((format) => ({ type: 'string', format })),
);

const arrayColumn: fc.Arbitrary<Schema> = fc.record({ values: enumValues(1, 8), unique: fc.boolean(), min: fc.nat(4), extra: fc.nat(4) })
  .map(({ values, unique, min, extra }) => {
    const minItems = unique ? Math.min(min, values.length) : min;
    return { type: 'array', items: { enum: values }, minItems, maxItems: unique ? Math.min(minItems + extra, values.length) : minItems + extra, ...(unique ? { uniqueItems: true } : {}) };
  });

const leaf: fc.Arbitrary<Schema> = fc.oneof(
  integerColumn, numberColumn, stringColumn, arrayColumn,
  enumValues(1, 6).map((values) => ({ enum: values })),
  word.map((value) => ({ const: value })),
  fc.constant({ type: 'boolean' }),
);

const objectColumn: fc.Arbitrary<Schema> = fc.uniqueArray(fc.tuple(word, leaf), { minLength: 1, maxLength: 4, selector: ([name]) => name })
  .chain((fields) => fc.subarray(fields.map(([name]) => name)).map((required) => ({
    type: 'object', properties: Object.fromEntries(fields), required, additionalProperties: false,
  })));

const nullable = (column: fc.Arbitrary<Schema>) => fc.tuple(column, fc.boolean()).map(([schema, nullIt]) => {
  if (!nullIt || typeof schema.type !== 'string') return schema;
  return { ...schema, type: [schema.type, 'null'], 'x-null-probability': 0.3 };
});

/** A column with x-unique: per tenant or across tenants, over integers or strings. */
interface UniqueColumn {
  scope: 'tenant' | 'global';
  kind: 'integer' | 'string';
  /** The first integer, or the prefix of the strings. */
  start: number;
  prefix: string;
  /** How many values the column can take (always enough for the rows: 4 tenants of 12 rows use slots up to 135, plus legacy rows). */
  size: number;
}

interface Case {
  columns: Array<[string, Schema]>;
  unique: { values: string[] } | undefined;
  uniques: UniqueColumn[];
  tuple: { a: string[]; b: string[] } | undefined;
  tenants: number;
  count: number;
  /** Legacy rows of the table (it is then "x-legacy"), or undefined. */
  legacy: number | undefined;
  seed: number;
}

const uniqueColumn: fc.Arbitrary<UniqueColumn> = fc.record({
  scope: fc.constantFrom('tenant' as const, 'global' as const),
  kind: fc.constantFrom('integer' as const, 'string' as const),
  start: fc.integer({ min: -1000, max: 1000 }),
  prefix: word,
  size: fc.integer({ min: 160, max: 600 }),
});

function uniqueSchema(u: UniqueColumn): Schema {
  if (u.kind === 'integer') return { type: 'integer', minimum: u.start, maximum: u.start + u.size - 1, 'x-unique': u.scope };
  return { type: 'string', enum: Array.from({ length: u.size }, (_, i) => `${u.prefix}-${i}`), 'x-unique': u.scope };
}

const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  columns: fc.uniqueArray(fc.tuple(word.map((w) => `c_${w}`), nullable(fc.oneof({ weight: 4, arbitrary: leaf }, { weight: 1, arbitrary: objectColumn }))), { minLength: 1, maxLength: 8, selector: ([name]) => name }),
  unique: fc.option(enumValues(12, 20).map((values) => ({ values })), { nil: undefined }),
  uniques: fc.array(uniqueColumn, { maxLength: 3 }),
  tuple: fc.option(fc.record({ a: enumValues(3, 5), b: enumValues(4, 6) }), { nil: undefined }),
  tenants: fc.integer({ min: 1, max: 4 }),
  count: fc.integer({ min: 1, max: 12 }),
  legacy: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  seed: fc.nat(1_000_000),
});

/** Writes a case as a definitions folder (a tenant table and a table of things) and a profile. */
function writeCase(c: Case): { definitions: string; environments: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-prop-'));
  const definitions = path.join(dir, 'definitions');
  const environments = path.join(dir, 'environments');
  fs.mkdirSync(definitions);
  fs.mkdirSync(environments);
  const base = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false };
  fs.writeFileSync(path.join(definitions, 'accounts.json'), JSON.stringify({
    ...base, 'x-table': 'accounts', 'x-tenant-root': true, 'x-primary-key': ['id'], 'x-natural-key': 'slug',
    properties: { id: { type: 'string', format: 'uuid' }, slug: { type: 'string', 'x-unique': 'global', 'x-generate': { template: 'account-{row}' } } },
    required: ['id', 'slug'],
  }));
  const properties: Record<string, Schema> = { account_id: { type: 'string', format: 'uuid' }, id: { type: 'string', format: 'uuid' }, ...Object.fromEntries(c.columns) };
  if (c.unique) properties.u_code = { enum: c.unique.values, 'x-unique': 'tenant' };
  c.uniques.forEach((u, i) => {
    properties[`u_${i}`] = uniqueSchema(u);
  });
  if (c.tuple) {
    properties.t_a = { enum: c.tuple.a };
    properties.t_b = { enum: c.tuple.b };
  }
  fs.writeFileSync(path.join(definitions, 'things.json'), JSON.stringify({
    ...base, 'x-table': 'things', 'x-tenant-column': 'account_id', 'x-primary-key': ['account_id', 'id'],
    ...(c.legacy !== undefined ? { 'x-legacy': true } : {}),
    ...(c.tuple ? { 'x-unique-keys': [['account_id', 't_a', 't_b']] } : {}),
    properties,
    required: Object.keys(properties).filter((name) => !(Array.isArray(properties[name].type) && (properties[name].type as string[]).includes('null'))),
  }));
  fs.writeFileSync(path.join(environments, 'test.json'), JSON.stringify({
    seed: c.seed, referenceDate: '2026-01-01T00:00:00Z', tenants: { generated: c.tenants }, counts: { things: c.count },
    ...(c.legacy !== undefined ? { legacy: { things: c.legacy } } : {}),
  }));
  return { definitions, environments };
}

function planOf(c: Case): { plan: Plan; dirs: { definitions: string; environments: string } } {
  const dirs = writeCase(c);
  return { plan: buildPlan({ definitions: loadDefinitions(dirs.definitions), profile: loadProfile(dirs.environments, 'test') }), dirs };
}

describe('the generator, on random definitions (fast-check)', () => {
  it('makes only rows valid under ajv, with unique columns and tuples unique per tenant or across tenants, legacy rows included', () => {
    const ajv = createAjv();
    fc.assert(fc.property(caseArbitrary, (c) => {
      const { plan } = planOf(c);
      // Values of a column unique across tenants, over the tenant rows and the legacy rows that
      // join them once absorbed; values unique per tenant, per tenant (legacy rows among themselves:
      // they join the default tenant, which the migration makes and the plan gives no rows).
      const seen = new Map<string, Set<string>>();
      const remember = (scope: string, value: unknown, where: string) => {
        if (value === undefined || value === null) return;
        const set = seen.get(scope) ?? new Set<string>();
        if (set.has(String(value))) throw new Error(`${where}: ${scope.split(':')[0]} ${String(value)} repeats (${scope})`);
        set.add(String(value));
        seen.set(scope, set);
      };
      for (const table of [...plan.tables, ...plan.legacyTables]) {
        const schema = table.definition.schema as Schema;
        const tenantColumn = table.definition.tenantColumn;
        const required = (schema.required as string[] | undefined ?? []).filter((col) => !(table.legacy && col === tenantColumn));
        const validate = ajv.compile({ ...schema, required });
        for (const row of table.rows()) {
          const object = Object.fromEntries(table.columns.map((col, i) => [col, row[i]]));
          if (!validate(object)) throw new Error(`${table.name}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(object)}`);
          const tenant = table.legacy ? 'legacy' : String(object.account_id ?? '');
          const where = `${table.legacy ? 'legacy ' : ''}${table.name}`;
          remember(`id:${table.name}:${tenant}`, object.id, where);
          remember(`u_code:${tenant}`, object.u_code, where);
          remember(`tuple:${tenant}`, object.t_a === undefined ? undefined : `${object.t_a}/${object.t_b}`, where);
          c.uniques.forEach((u, i) => remember(`u_${i}:${u.scope === 'global' ? '*' : tenant}`, object[`u_${i}`], where));
        }
      }
    }), { seed: SEED, numRuns: RUNS });
  });

  it('writes byte-identical files from processes in other time zones and locales', () => {
    const cases = fc.sample(caseArbitrary, { seed: SEED, numRuns: 3 });
    for (const c of cases) {
      const { dirs } = planOf(c);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-prop-out-'));
      const run = (name: string, env: Record<string, string>, node = process.execPath) => {
        const result = spawnSync(node, [CLI, 'generate', '--env', 'test', '--definitions', dirs.definitions, '--environments', dirs.environments, '--out', path.join(out, name), '--format', 'json', '--strict'], {
          env: { ...process.env, ...env }, encoding: 'utf8',
        });
        expect(result.stderr).not.toMatch(/^error/m);
        expect(result.status).toBe(0);
        return fs.readdirSync(path.join(out, name)).sort().map((f) => [f, fs.statSync(path.join(out, name, f)).isFile() ? fs.readFileSync(path.join(out, name, f), 'utf8') : '']);
      };
      const utc = run('utc', { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
      const chatham = run('chatham', { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' });
      expect(chatham).toEqual(utc);
      // Other Node majors, where installed (TENANTSEED_OTHER_NODE=/path/to/node[:/path/to/another]).
      const others = (process.env.TENANTSEED_OTHER_NODE ?? '').split(path.delimiter).filter(Boolean);
      others.forEach((node, i) => expect(run(`other-node-${i}`, {}, node)).toEqual(utc));
    }
  });
});
