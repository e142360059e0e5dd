import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { buildPlan } from '../../../src/generate';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { ProfileError } from '../../../src/errors';

const uuid = { type: 'string', format: 'uuid' };
const nullableUuid = { type: ['string', 'null'], format: 'uuid' };
const def = (table: string, extra: Record<string, unknown>, properties: Record<string, unknown>, id: unknown = uuid) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', 'x-table': table, 'x-primary-key': ['id'],
  properties: { id, ...properties }, required: ['id'], additionalProperties: false, ...extra,
});

/** Organisations; users whose org may be NULL (platform admins); audit rows by users; notes that always have a tenant. */
function definitions(id: unknown = uuid): Record<string, Record<string, unknown>> {
  return {
    orgs: def('orgs', { 'x-tenant-root': true, 'x-natural-key': 'slug' }, { slug: { type: 'string', 'x-generate': { template: 'org-{row}' } } }, id),
    users: def('users', { 'x-tenant-column': 'org_id', 'x-natural-key': 'email', 'x-count': { default: 4 } }, {
      org_id: id === uuid ? nullableUuid : { type: ['integer', 'null'] },
      email: { type: 'string', format: 'email', 'x-unique': 'global', 'x-generate': { template: 'user-{row}@{tenant}.test' } },
      handle: { type: 'string', 'x-unique': 'global', 'x-generate': { faker: 'internet.username' } },
      role: { enum: ['admin', 'member', 'platform_admin'], 'x-weights': [1, 3, 0] },
    }, id),
    audit_logs: def('audit_logs', { 'x-tenant-column': 'org_id', 'x-count': { default: 6 } }, {
      org_id: id === uuid ? nullableUuid : { type: ['integer', 'null'] },
      actor_id: { ...(id === uuid ? uuid : { type: 'integer' }), 'x-ref': 'users.id' },
    }, id),
    notes: def('notes', { 'x-tenant-column': 'org_id', 'x-count': { default: 3 } }, {
      org_id: id === uuid ? uuid : { type: 'integer' },
      author_id: { ...(id === uuid ? uuid : { type: 'integer' }), 'x-ref': 'users.id' },
    }, id),
  };
}

const ADMINS = { count: 3, values: { role: 'platform_admin' }, rows: [{ email: 'root@platform.test' }] };

function planOf(options: { withoutTenant?: unknown; seed?: number; tenants?: number; id?: unknown; defs?: Record<string, Record<string, unknown>> } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-notenant-'));
  fs.mkdirSync(path.join(dir, 'definitions'));
  fs.mkdirSync(path.join(dir, 'environments'));
  for (const [name, d] of Object.entries(options.defs ?? definitions(options.id))) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(d));
  fs.writeFileSync(path.join(dir, 'environments', 'test.json'), JSON.stringify({
    seed: 7, referenceDate: '2026-01-01T00:00:00Z', tenants: { named: [{ slug: 'acme' }, { slug: 'globex' }], generated: 2 }, counts: {},
    ...(options.withoutTenant !== undefined ? { withoutTenant: options.withoutTenant } : {}),
  }));
  return buildPlan({ definitions: loadDefinitions(path.join(dir, 'definitions')), profile: loadProfile(path.join(dir, 'environments'), 'test'), seed: options.seed, tenants: options.tenants });
}

function rowsOf(plan: ReturnType<typeof planOf>, table: string): Array<Record<string, unknown>> {
  const t = plan.tables.find((x) => x.name === table)!;
  return [...t.rows()].map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i]])));
}

describe('rows with no tenant on purpose (withoutTenant)', () => {
  it('makes the declared rows with a NULL tenant, taking the profile\'s values, the named ones first', () => {
    const plan = planOf({ withoutTenant: { users: ADMINS, audit_logs: 2 } });
    const admins = rowsOf(plan, 'users').filter((u) => u.org_id === null);
    expect(admins).toHaveLength(3);
    expect(admins.every((u) => u.role === 'platform_admin')).toBe(true);
    expect(admins[0].email).toBe('root@platform.test');
    expect(rowsOf(plan, 'users').filter((u) => u.org_id !== null).some((u) => u.role === 'platform_admin')).toBe(false);
    expect(rowsOf(plan, 'audit_logs').filter((a) => a.org_id === null)).toHaveLength(2);
    expect(rowsOf(plan, 'notes').some((n) => n.org_id === null)).toBe(false);
  });

  it('names the named rows without a tenant, with no tenant and the id the row has', () => {
    const plan = planOf({ withoutTenant: { users: ADMINS } });
    const named = plan.namedRows().filter((r) => r.withoutTenant);
    expect(named).toEqual([expect.objectContaining({ table: 'users', name: 'root@platform.test', tenantId: null })]);
    expect(named[0].tenant).toBeUndefined();
    expect(rowsOf(plan, 'users').find((u) => u.email === 'root@platform.test')!.id).toBe(named[0].id);
    // The same id whatever the seed: tests refer to it by name.
    expect(planOf({ withoutTenant: { users: ADMINS }, seed: 99 }).namedRows().find((r) => r.withoutTenant)!.id).toBe(named[0].id);
  });

  it('keeps references apart: tenant rows never point at rows without a tenant, and those point only at their like', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 5 }), (seed, tenants, admins) => {
      const plan = planOf({ withoutTenant: { users: { count: admins, values: { role: 'platform_admin' } }, audit_logs: 3 }, seed, tenants });
      const tenantOfUser = new Map(rowsOf(plan, 'users').map((u) => [u.id, u.org_id]));
      for (const table of ['audit_logs', 'notes']) {
        for (const row of rowsOf(plan, table)) {
          const actor = row.actor_id ?? row.author_id;
          expect(tenantOfUser.has(actor)).toBe(true);
          expect(tenantOfUser.get(actor)).toBe(row.org_id);
        }
      }
    }), { numRuns: 30 });
  });

  it('changes no tenant row when rows without a tenant are declared, and none of those when a tenant is added', () => {
    const plain = planOf();
    const declared = planOf({ withoutTenant: { users: ADMINS, audit_logs: 2 } });
    for (const table of ['orgs', 'users', 'audit_logs', 'notes']) {
      expect(rowsOf(declared, table).filter((r) => table === 'orgs' || r.org_id !== null)).toEqual(rowsOf(plain, table));
    }
    const more = planOf({ withoutTenant: { users: ADMINS, audit_logs: 2 }, tenants: 6 });
    expect(rowsOf(more, 'users').filter((u) => u.org_id === null)).toEqual(rowsOf(declared, 'users').filter((u) => u.org_id === null));
    expect(rowsOf(more, 'audit_logs').filter((u) => u.org_id === null)).toEqual(rowsOf(declared, 'audit_logs').filter((u) => u.org_id === null));
  });

  it('keeps global unique values and integer ids distinct from every tenant\'s', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 8 }), (seed, tenants) => {
      for (const id of [uuid, { type: 'integer' }]) {
        const users = rowsOf(planOf({ withoutTenant: { users: ADMINS }, seed, tenants, id }), 'users');
        expect(new Set(users.map((u) => u.email)).size).toBe(users.length);
        expect(new Set(users.map((u) => u.handle)).size).toBe(users.length);
        expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
      }
    }), { numRuns: 15 });
  });

  it('refuses a table whose tenant column is NOT NULL, naming the table and the column', () => {
    expect(() => planOf({ withoutTenant: { notes: 1 } })).toThrow(ProfileError);
    expect(() => planOf({ withoutTenant: { notes: 1 } })).toThrow(/notes\.org_id is NOT NULL/);
    expect(() => planOf({ withoutTenant: { orgs: 1 } })).toThrow(/no tenant column/);
    expect(() => planOf({ withoutTenant: { users: { count: 1, values: { org_id: '00000000-0000-4000-8000-000000000000' } } } })).toThrow(/sets the tenant column org_id/);
    expect(() => planOf({ withoutTenant: { users: { count: 0, rows: [{ email: 'a@b.test' }] } } })).toThrow(/fewer than the 1 named rows/);
  });

  it('refuses a row without a tenant that needs a parent without one, when there are none', () => {
    expect(() => planOf({ withoutTenant: { audit_logs: 2 } })).toThrow(/audit_logs\.actor_id needs a users row in tenant no-tenant/);
  });
});
