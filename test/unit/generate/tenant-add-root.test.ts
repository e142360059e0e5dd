import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDefinitions, loadProfile, Profile } from '../../../src/definitions';
import { buildPlan, Plan } from '../../../src/generate';
import { REPO_ROOT } from '../../support/run-cli';

/**
 * `tenant add` plans the new tenant's root row after the tenants seeded before
 * (firstTenantIndex): a root column unique across tenants, as introspect drafts it
 * (`{word}-{row}`, "x-unique": "global", e.g. Prisma's `tenants.stripeCustomerId`), must not
 * repeat a seeded tenant's value, or the load fails on the unique constraint.
 */
function definitionsWithRootColumn(column: Record<string, unknown>): string {
  const from = path.join(REPO_ROOT, 'seeds', 'definitions');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-tenant-add-root-'));
  for (const name of fs.readdirSync(from).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(fs.readFileSync(path.join(from, name), 'utf8'));
    if (json['x-tenant-root']) {
      json.properties.billing_ref = column;
      json.required = [...(json.required ?? []), 'billing_ref'];
    }
    fs.writeFileSync(path.join(out, name), JSON.stringify(json));
  }
  return out;
}

/** The profile `addTenant` plans with: one named tenant, the new one. */
function addTenantProfile(profile: Profile, slug: string): Profile {
  return { ...profile, namedTenants: [{ values: { slug }, scale: 1, rows: {} }], generatedTenants: 0, withoutTenant: {} };
}

function rootValues(plan: Plan, column: string): unknown[] {
  const root = plan.tables.find((t) => t.definition.tenantRoot)!;
  const at = root.columns.indexOf(column);
  return [...root.rows()].map((row) => row[at]);
}

const environments = path.join(REPO_ROOT, 'seeds', 'environments');

describe('tenant add: the new root row after the seeded tenants', () => {
  it('repeats no seeded tenant\'s value of a root column unique across tenants made with {row}', () => {
    const definitions = loadDefinitions(definitionsWithRootColumn({ type: 'string', 'x-generate': { template: '{word}-{row}', parts: { word: { faker: 'word.noun', case: 'slug' } } }, 'x-unique': 'global' }));
    const profile = loadProfile(environments, 'development');
    for (const seeded of [2, 3, 8]) {
      const before = rootValues(buildPlan({ definitions, profile, tenants: seeded }), 'billing_ref');
      expect(new Set(before).size).toBe(seeded);
      const added = rootValues(buildPlan({ definitions, profile: addTenantProfile(profile, 'newco'), firstTenantIndex: seeded }), 'billing_ref');
      expect(added).toHaveLength(1);
      expect(before).not.toContain(added[0]);
      expect(String(added[0])).toMatch(new RegExp(`-${seeded + 1}$`));
    }
  });

  it('draws a finite unique root column past the seeded tenants\' values, and refuses when none is left', () => {
    const values = ['a', 'b', 'c', 'd'];
    const definitions = loadDefinitions(definitionsWithRootColumn({ type: 'string', enum: values, 'x-unique': 'global' }));
    const profile = loadProfile(environments, 'development');
    const before = rootValues(buildPlan({ definitions, profile, tenants: 3 }), 'billing_ref');
    const added = rootValues(buildPlan({ definitions, profile: addTenantProfile(profile, 'newco'), firstTenantIndex: 3 }), 'billing_ref');
    expect(new Set([...before, ...added]).size).toBe(4);
    expect(() => buildPlan({ definitions, profile: addTenantProfile(profile, 'newco'), firstTenantIndex: 4 })).toThrow(/needs 5 values in the table \(4 rows seeded before\), but its generator has only 4/);
  });
});
