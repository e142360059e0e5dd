import path from 'node:path';
import { loadDefinitions, loadProfile, createAjv } from '../../../src/definitions';
import { buildPlan, Plan } from '../../../src/generate';
import { pgArrayLiteral } from '../../../src/load/array-literal';
import { REPO_ROOT } from '../../support/run-cli';
import { editedDefinitions } from '../../support/datasets';

const ENPYCO = path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco', 'db');

function enpycoPlan(options: { seed?: number; tenants?: number; definitions?: string; env?: string } = {}): Plan {
  return buildPlan({
    definitions: loadDefinitions(options.definitions ?? path.join(ENPYCO, 'definitions')),
    profile: loadProfile(path.join(ENPYCO, 'environments'), options.env ?? 'development'),
    seed: options.seed,
    tenants: options.tenants,
  });
}

function rowsOf(plan: Plan, table: string): Array<Record<string, unknown>> {
  const t = plan.tables.find((x) => x.name === table)!;
  return [...t.rows()].map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
}

describe('generation for a real schema (test/fixtures/enpyco)', () => {
  it('never repeats a join table\'s key tuple, for any seed', () => {
    for (let seed = 0; seed < 20; seed++) {
      const rows = rowsOf(enpycoPlan({ seed }), 'block_files');
      const keys = rows.map((r) => `${r.company_id}/${r.block_id}/${r.file_id}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('refuses, before any row, more join rows than distinct pairs exist', () => {
    const dir = editedDefinitions(path.join(ENPYCO, 'definitions'), (files) => {
      files.get('block_files.json')!['x-count'] = { default: 1000 };
    });
    const profile = loadProfile(path.join(ENPYCO, 'environments'), 'development');
    const counts = { ...profile.counts };
    delete (counts as Record<string, number>).block_files;
    expect(() => buildPlan({ definitions: loadDefinitions(dir), profile: { ...profile, counts } }))
      .toThrow(/block_files needs 1000 rows in tenant enpyco-demo with distinct \(block_id, file_id\), but only 60 combinations exist \(block_id: 10, file_id: 6\)/);
  });

  it('makes bigint ids unique across tenants, in a block per tenant that adding tenants does not move', () => {
    const small = rowsOf(enpycoPlan(), 'files');
    const big = rowsOf(enpycoPlan({ tenants: 12 }), 'files');
    const ids = big.map((r) => r.id as number);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Number.isSafeInteger(id) && id > 2 ** 32)).toBe(true);
    expect(big.slice(0, small.length)).toEqual(small);
  });

  it('makes cuid-like text ids, referenced by other tables', () => {
    const plan = enpycoPlan();
    const users = rowsOf(plan, 'users');
    expect(users.every((u) => /^c[a-z0-9]{24}$/.test(u.id as string))).toBe(true);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    const ids = new Set(users.map((u) => `${u.company_id}/${u.id}`));
    const refs = rowsOf(plan, 'content_blocks').filter((b) => b.created_by !== null);
    expect(refs.length).toBeGreaterThan(0);
    for (const b of refs) expect(ids.has(`${b.company_id}/${b.created_by}`)).toBe(true);
  });

  it('keeps named fixtures\' text ids whatever the seed', () => {
    const a = enpycoPlan({ seed: 1 }).namedRows().find((r) => r.name === 'admin@batiplus.test')!;
    const b = enpycoPlan({ seed: 2 }).namedRows().find((r) => r.name === 'admin@batiplus.test')!;
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^c[a-z0-9]{24}$/);
  });

  it('gives numeric(p, s) values whole steps, strings no more than maxLength, and rows valid against their definitions', () => {
    const plan = enpycoPlan();
    const scores = rowsOf(plan, 'content_blocks').map((r) => r.quality_score).filter((v) => v !== null) as number[];
    expect(scores.length).toBeGreaterThan(10);
    for (const s of scores) expect(String(s)).toMatch(/^\d{1,3}(\.\d{1,2})?$/);
    const ajv = createAjv();
    for (const table of plan.tables) {
      const validate = ajv.compile({ ...table.definition.schema, properties: { ...(table.definition.schema.properties as object) }, additionalProperties: true });
      for (const row of table.rows()) {
        const object = Object.fromEntries(table.columns.map((c, i) => [c, row[i]]));
        // multipleOf is checked by ajv with floating-point division; numbers are written with exact decimals.
        for (const [k, v] of Object.entries(object)) if (typeof v === 'number' && !Number.isInteger(v)) object[k] = Math.round(v);
        expect(validate(object) ? '' : `${table.name}: ${ajv.errorsText(validate.errors)}`).toBe('');
      }
    }
  });

  it('leaves references of legacy rows to tables without legacy rows empty', () => {
    const legacy = enpycoPlan().legacyTables.find((t) => t.name === 'projects')!;
    const createdBy = legacy.columns.indexOf('created_by');
    expect([...legacy.rows()].every((r) => r[createdBy] === null)).toBe(true);
  });
});

describe('PostgreSQL array literals', () => {
  it('quote and escape elements, keep NULL and nest arrays', () => {
    expect(pgArrayLiteral([])).toBe('{}');
    expect(pgArrayLiteral(['a', 'b c', null, 'say "hi"', 'back\\slash', ',{}'])).toBe('{"a","b c",NULL,"say \\"hi\\"","back\\\\slash",",{}"}');
    expect(pgArrayLiteral([[1, 2], [3, 4]])).toBe('{{"1","2"},{"3","4"}}');
    expect(pgArrayLiteral([{ a: 1 }])).toBe('{"{\\"a\\":1}"}');
  });
});
