import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, guardRows, RowGuard } from '../../../src/generate';

/**
 * Rules between the columns of a row (an order of timestamps, a total that is the sum of its
 * parts) hold in every generated row, whatever the definition: random chains of `after`
 * (strict or not, the earlier column nullable or not, columns listed in any order) and random
 * sums over integer and decimal parts (some nullable). Replay with TENANTSEED_PROPERTY_SEED.
 */
const SEED = Number(process.env.TENANTSEED_PROPERTY_SEED ?? 20261206);
const RUNS = Number(process.env.TENANTSEED_PROPERTY_RUNS ?? 30);

type Schema = Record<string, unknown>;

interface Link { readonly strict: boolean; readonly nullable: boolean; readonly maxDays: number }
interface Part { readonly step: 0.01 | 0.5 | 1; readonly nullable: boolean; readonly max: number }
interface Case {
  readonly chain: readonly Link[];
  readonly parts: readonly Part[];
  /** A permutation key for the order the columns are listed in. */
  readonly shuffle: number;
  readonly seed: number;
  readonly count: number;
  /** Each timestamp follows the first with a value of all before it (`"after": [t2, t1, t0]`), not the one before only. */
  readonly fallback: boolean;
}

const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  chain: fc.array(fc.record({ strict: fc.boolean(), nullable: fc.boolean(), maxDays: fc.constantFrom(0, 0.001, 1, 30) }), { minLength: 1, maxLength: 4 }),
  parts: fc.array(fc.record({ step: fc.constantFrom(0.01 as const, 0.5 as const, 1 as const), nullable: fc.boolean(), max: fc.integer({ min: 1, max: 100000 }) }), { minLength: 2, maxLength: 4 }),
  shuffle: fc.nat(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  count: fc.integer({ min: 1, max: 40 }),
  fallback: fc.boolean(),
});

function writeCase(c: Case): { definitions: string; environments: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-rules-'));
  const definitions = path.join(dir, 'definitions');
  const environments = path.join(dir, 'environments');
  fs.mkdirSync(definitions);
  fs.mkdirSync(environments);
  const base = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false };
  fs.writeFileSync(path.join(definitions, 'accounts.json'), JSON.stringify({
    ...base, 'x-table': 'accounts', 'x-tenant-root': true, 'x-primary-key': ['id'],
    properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'],
  }));
  const columns: [string, Schema][] = [['t0', { type: 'string', format: 'date-time' }]];
  c.chain.forEach((link, i) => {
    // The earlier column (t{i}) may be null; the later one then takes any date (a CHECK passes on null).
    if (link.nullable) columns[i][1] = { ...columns[i][1], type: ['string', 'null'], 'x-null-probability': 0.3 };
    columns.push([`t${i + 1}`, { type: 'string', format: 'date-time', 'x-generate': { date: { after: c.fallback ? Array.from({ length: i + 1 }, (_x, k) => `t${i - k}`) : `t${i}`, maxDays: link.maxDays, ...(link.strict ? { strict: true } : {}) } } }]);
  });
  c.parts.forEach((part, i) => {
    const type = part.step === 1 ? 'integer' : 'number';
    const schema: Schema = { type: part.nullable ? [type, 'null'] : type, minimum: 0, maximum: part.max, ...(part.step !== 1 ? { multipleOf: part.step } : {}) };
    columns.push([`p${i}`, part.nullable ? { ...schema, 'x-null-probability': 0.3 } : schema]);
  });
  const decimal = c.parts.some((p) => p.step !== 1);
  columns.push(['total', { type: decimal ? 'number' : 'integer', ...(decimal ? { multipleOf: Math.min(...c.parts.map((p) => p.step)) } : {}), 'x-generate': { sum: c.parts.map((_p, i) => `p${i}`) } }]);
  // Listed in a shuffled order: the plan must make each value after those it depends on.
  const listed = [...columns].sort((a, b) => ((a[0].charCodeAt(0) * 31 + a[0].length * 7 + Number(a[0].slice(1) || 0)) ^ c.shuffle) - ((b[0].charCodeAt(0) * 31 + b[0].length * 7 + Number(b[0].slice(1) || 0)) ^ c.shuffle));
  const properties: Record<string, Schema> = { account_id: { type: 'string', format: 'uuid' }, id: { type: 'string', format: 'uuid' }, ...Object.fromEntries(listed) };
  fs.writeFileSync(path.join(definitions, 'spans.json'), JSON.stringify({
    ...base, 'x-table': 'spans', 'x-tenant-column': 'account_id', 'x-primary-key': ['account_id', 'id'], properties,
    required: Object.keys(properties).filter((name) => !(Array.isArray(properties[name].type) && (properties[name].type as string[]).includes('null'))),
  }));
  fs.writeFileSync(path.join(environments, 'test.json'), JSON.stringify({
    seed: c.seed, referenceDate: '2026-01-01T00:00:00Z', tenants: { generated: 2 }, counts: { spans: c.count },
  }));
  return { definitions, environments, dir };
}

function rowsOf(c: Case): Record<string, unknown>[] {
  const dirs = writeCase(c);
  try {
    const plan = buildPlan({ definitions: loadDefinitions(dirs.definitions), profile: loadProfile(dirs.environments, 'test') });
    const table = plan.tables.find((t) => t.name === 'spans')!;
    return [...guardRows(table.rows(), new RowGuard(table, { strict: true }))].map((row) => Object.fromEntries(table.columns.map((name, i) => [name, row[i]])));
  } finally {
    fs.rmSync(dirs.dir, { recursive: true });
  }
}

describe('rules between the columns of a row (fast-check)', () => {
  it('keeps every timestamp after the one it follows (strictly when asked) and every total the sum of its parts', () => {
    fc.assert(fc.property(caseArbitrary, (c) => {
      for (const row of rowsOf(c)) {
        c.chain.forEach((link, i) => {
          const earlier = row[`t${i}`] as string | null;
          const later = row[`t${i + 1}`] as string | null;
          // A null on either side passes a CHECK (its result is null, not false).
          if (earlier === null || later === null) return;
          const gap = Date.parse(later) - Date.parse(earlier);
          expect(link.strict ? gap > 0 : gap >= 0).toBe(true);
          expect(gap).toBeLessThanOrEqual(link.maxDays * 86_400_000 + (link.strict ? 1000 : 0));
        });
        if (c.fallback) {
          // Following the first with a value of all before it: every later timestamp is after every earlier one.
          const times = c.chain.map((_l, i) => row[`t${i + 1}`] as string | null);
          times.unshift(row.t0 as string | null);
          times.forEach((later, j) => times.slice(0, j).forEach((earlier) => {
            if (later !== null && earlier !== null) expect(Date.parse(later)).toBeGreaterThanOrEqual(Date.parse(earlier));
          }));
        }
        const parts = c.parts.map((_p, i) => row[`p${i}`] as number | null).filter((v): v is number => v !== null);
        // Exactly the sum in decimal: compared in hundredths, where every part is a whole number.
        expect(Math.round((row.total as number) * 100)).toBe(parts.reduce((sum, v) => sum + Math.round(v * 100), 0));
      }
    }), { seed: SEED, numRuns: RUNS });
  });

  it('gives the same rows for the same definition', () => {
    const c: Case = { chain: [{ strict: true, nullable: false, maxDays: 1 }, { strict: false, nullable: true, maxDays: 30 }], parts: [{ step: 0.01, nullable: false, max: 99 }, { step: 1, nullable: true, max: 5 }], shuffle: 12345, seed: 7, count: 20, fallback: true };
    expect(JSON.stringify(rowsOf(c))).toBe(JSON.stringify(rowsOf(c)));
  });
});
