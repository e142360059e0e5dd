import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, Plan, Row } from '../../../src/generate';
import { REPO_ROOT } from '../../support/run-cli';

/**
 * Keyed values, for every shipped definition and the fixture schemas: raising one tenant's
 * counts, adding a tenant or adding a column changes no value of any other row (references,
 * which spread over the parents a tenant has, excepted: documented in docs/definitions.md).
 */
const SETS = [
  { name: 'shipped', definitions: path.join(REPO_ROOT, 'seeds', 'definitions'), environments: path.join(REPO_ROOT, 'seeds', 'environments'), env: 'development' },
  { name: 'enpyco', definitions: path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco', 'db', 'definitions'), environments: path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco', 'db', 'environments'), env: 'development' },
  { name: 'shop', definitions: path.join(REPO_ROOT, 'test', 'fixtures', 'shop', 'definitions'), environments: path.join(REPO_ROOT, 'test', 'fixtures', 'shop', 'environments'), env: 'demo' },
];

function copyJson(dir: string, edit: (name: string, json: Record<string, unknown>) => void): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-stability-'));
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    edit(name, json);
    fs.writeFileSync(path.join(out, name), JSON.stringify(json));
  }
  return out;
}

/** Rows per table and tenant ("*" for tables without tenants), in order. */
function byTenant(plan: Plan): Map<string, Map<string, Row[]>> {
  const out = new Map<string, Map<string, Row[]>>();
  for (const table of plan.tables) {
    const tenantColumn = table.definition.tenantColumn ? table.columns.indexOf(table.definition.tenantColumn) : -1;
    const groups = new Map<string, Row[]>();
    for (const row of table.rows()) {
      const key = tenantColumn >= 0 ? String(row[tenantColumn]) : '*';
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    out.set(table.name, groups);
  }
  return out;
}

/** Columns whose values may move when parents change: references, and tuples drawn with them. */
function movable(plan: Plan, table: string): Set<number> {
  const t = plan.tables.find((x) => x.name === table)!;
  const refs = new Set(t.definition.columns.filter((c) => c.ref).map((c) => c.name));
  const keys = [t.definition.primaryKey, ...t.definition.uniqueKeys].filter((key) => key.some((c) => refs.has(c)));
  for (const key of keys) for (const c of key) if (c !== t.definition.tenantColumn) refs.add(c);
  return new Set(t.columns.map((c, i) => (refs.has(c) ? i : -1)).filter((i) => i >= 0));
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

describe.each(SETS)('keyed values in the $name definitions', ({ definitions, environments, env }) => {
  const profileWith = (edit: (p: Record<string, any>) => void) => {
    const dir = copyJson(environments, (name, json) => {
      if (name === `${env}.json`) edit(json);
    });
    return loadProfile(dir, env);
  };
  const plan = (profile = loadProfile(environments, env), defs = loadDefinitions(definitions), tenants?: number) => buildPlan({ definitions: defs, profile, tenants });

  it('adding a tenant changes no row of the others', () => {
    const base = plan();
    const before = byTenant(base);
    const after = byTenant(plan(undefined, undefined, base.tenants.length + 1));
    for (const [table, groups] of before) {
      for (const [tenant, rows] of groups) {
        const grown = after.get(table)!.get(tenant)!;
        if (tenant === '*' && base.tables.find((t) => t.name === table)!.definition.tenantRoot) {
          expect(grown.slice(0, rows.length)).toEqual(rows);
        } else expect(grown).toEqual(rows);
      }
    }
  });

  it('raising one tenant\'s counts changes no value of another tenant, and none of its own rows but references', () => {
    const base = plan();
    const before = byTenant(base);
    const grownPlan = plan(profileWith((p) => {
      const named = p.tenants.named ?? [];
      if (named.length > 0) named[0].scale = (named[0].scale ?? 1) * 3;
    }));
    const after = byTenant(grownPlan);
    const scaled = String(base.tenants[0].id);
    for (const [table, groups] of before) {
      const moving = movable(base, table);
      for (const [tenant, rows] of groups) {
        const grown = after.get(table)!.get(tenant)!;
        if (tenant !== scaled) {
          expect(grown).toEqual(rows);
          continue;
        }
        expect(grown.length).toBeGreaterThanOrEqual(rows.length);
        rows.forEach((row, i) => row.forEach((value, k) => {
          if (!moving.has(k)) expect(same(grown[i][k], value) ? 'same' : `${table}.${base.tables.find((t) => t.name === table)!.columns[k]} row ${i}`).toBe('same');
        }));
      }
    }
  });

  it('adding a column changes no other value', () => {
    const before = plan();
    const dir = copyJson(definitions, (_name, json) => {
      const properties = json.properties as Record<string, unknown>;
      json.properties = { ...properties, added_note: { type: ['string', 'null'], 'x-faker': 'lorem.word', 'x-null-probability': 0.5 } };
    });
    const after = plan(undefined, loadDefinitions(dir));
    for (const table of before.tables) {
      const grown = after.tables.find((t) => t.name === table.name)!;
      expect([...grown.rows()].map((r) => r.slice(0, -1))).toEqual([...table.rows()]);
    }
  });
});

describe('a value unique across tenants', () => {
  it('keeps every other tenant\'s value when one tenant\'s count is raised', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-global-'));
    fs.mkdirSync(path.join(dir, 'd'));
    fs.mkdirSync(path.join(dir, 'e'));
    const base = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false };
    fs.writeFileSync(path.join(dir, 'd', 'orgs.json'), JSON.stringify({ ...base, 'x-table': 'orgs', 'x-tenant-root': true, 'x-primary-key': ['id'], 'x-natural-key': 'slug',
      properties: { id: { type: 'string', format: 'uuid' }, slug: { type: 'string', 'x-generate': { template: 'org-{row}' }, 'x-unique': 'global' } }, required: ['id', 'slug'] }));
    fs.writeFileSync(path.join(dir, 'd', 'seats.json'), JSON.stringify({ ...base, 'x-table': 'seats', 'x-tenant-column': 'org_id', 'x-primary-key': ['org_id', 'id'],
      properties: { org_id: { type: 'string', format: 'uuid' }, id: { type: 'string', format: 'uuid' }, number: { type: 'integer', minimum: 1, maximum: 100000, 'x-unique': 'global' } },
      required: ['org_id', 'id', 'number'] }));
    const write = (scale: number) => fs.writeFileSync(path.join(dir, 'e', 'x.json'), JSON.stringify({
      seed: 5, referenceDate: '2026-01-01T00:00:00Z', tenants: { named: [{ slug: 'first', scale }], generated: 5 }, counts: { seats: 20 },
    }));
    const numbers = () => {
      const plan = buildPlan({ definitions: loadDefinitions(path.join(dir, 'd')), profile: loadProfile(path.join(dir, 'e'), 'x') });
      const seats = plan.tables.find((t) => t.name === 'seats')!;
      return [...seats.rows()].map((r) => [String(r[0]), r[2]] as const);
    };
    write(1);
    const before = numbers();
    write(4);
    const after = numbers();
    const first = before[0][0];
    expect(after.filter(([t]) => t !== first)).toEqual(before.filter(([t]) => t !== first));
    expect(after.filter(([t]) => t === first).slice(0, 20)).toEqual(before.filter(([t]) => t === first));
    const all = after.map(([, n]) => n);
    expect(new Set(all).size).toBe(all.length);
  });
});
