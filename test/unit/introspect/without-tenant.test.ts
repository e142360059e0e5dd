import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SchemaSnapshot, SnapshotColumn, SnapshotConstraint, SnapshotTable } from '../../../src/db';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan } from '../../../src/generate';
import { draftProject, ProjectDraft } from '../../../src/introspect';
import { readWithoutTenantCheck } from '../../../src/introspect/infer-without-tenant';

const col = (name: string, baseType: string, extra: Partial<SnapshotColumn> = {}): SnapshotColumn =>
  ({ name, type: baseType, baseType, isArray: false, notNull: true, generated: false, ...extra }) as SnapshotColumn;
const ROLE = col('role', 'Role', { enumLabels: ['OWNER', 'MEMBER', 'PLATFORM_ADMIN'], default: `'MEMBER'::"Role"` });
const POLICY = (using: string) => ({ name: 'tenant_isolation', roles: ['public'], using });
const ISOLATED = POLICY(`("tenantId" = current_setting('app.org'::text, true))`);

function schema(checks: string[], policy = ISOLATED): SchemaSnapshot {
  const t = (name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[], extra: Partial<SnapshotTable> = {}): SnapshotTable =>
    ({ schema: 'public', name, columns, constraints, uniqueIndexes: [], policies: [], rlsEnabled: true, rlsForced: true, rows: 0, ...extra });
  return {
    schema: 'public',
    roles: [],
    tables: [
      t('orgs', [col('id', 'text'), col('slug', 'text')], [
        { name: 'orgs_pkey', kind: 'primary', columns: ['id'], definition: 'PRIMARY KEY (id)' },
        { name: 'orgs_slug_key', kind: 'unique', columns: ['slug'], definition: 'UNIQUE (slug)' },
      ]),
      t('users', [col('id', 'text'), col('tenantId', 'text', { notNull: false }), col('email', 'text'), ROLE], [
        { name: 'users_pkey', kind: 'primary', columns: ['id'], definition: 'PRIMARY KEY (id)' },
        { name: 'users_tenantId_email_key', kind: 'unique', columns: ['tenantId', 'email'], definition: 'UNIQUE ("tenantId", email)' },
        { name: 'users_tenantId_fkey', kind: 'foreign', columns: ['tenantId'], refTable: 'orgs', refColumns: ['id'], definition: 'FOREIGN KEY ("tenantId") REFERENCES orgs(id)' },
        ...checks.map((definition, i) => ({ name: `users_check_${i}`, kind: 'check' as const, columns: [], definition })),
      ], { policies: [policy] }),
    ],
  };
}

function planOf(draft: ProjectDraft) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-draft-notenant-'));
  fs.mkdirSync(path.join(dir, 'definitions'));
  fs.mkdirSync(path.join(dir, 'environments'));
  for (const [name, definition] of draft.definitions) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(definition));
  fs.writeFileSync(path.join(dir, 'environments', 'development.json'), JSON.stringify(draft.profile));
  return buildPlan({ definitions: loadDefinitions(path.join(dir, 'definitions')), profile: loadProfile(path.join(dir, 'environments'), 'development') });
}

describe('introspect: rows with no tenant on purpose', () => {
  it.each([
    [`CHECK (((role = 'PLATFORM_ADMIN'::"Role") = ("tenantId" IS NULL)))`, true],
    [`CHECK ((("tenantId" IS NULL) = (role = 'PLATFORM_ADMIN'::"Role")))`, true],
    [`CHECK ((("tenantId" IS NOT NULL) OR (role = 'PLATFORM_ADMIN'::"Role")))`, false],
    [`CHECK (((role = 'PLATFORM_ADMIN'::"Role") OR ("tenantId" IS NOT NULL)))`, false],
  ])('reads %s', (definition, both) => {
    expect(readWithoutTenantCheck(definition)).toEqual({ check: definition, tenantColumn: 'tenantId', column: 'role', value: 'PLATFORM_ADMIN', both });
  });

  it('leaves other CHECKs to the CHECK reader', () => {
    expect(readWithoutTenantCheck(`CHECK ((role = ANY (ARRAY['OWNER'::"Role", 'MEMBER'::"Role"])))`)).toBeUndefined();
    expect(readWithoutTenantCheck(`CHECK (("tenantId" IS NOT NULL))`)).toBeUndefined();
    expect(readWithoutTenantCheck(`CHECK (((note = 'a (b) c'::text) = ("tenantId" IS NULL)))`)).toMatchObject({ column: 'note', value: 'a (b) c' });
  });

  it('drafts the rows without a tenant from the CHECK, and the plan makes them with a NULL tenant', () => {
    const draft = draftProject(schema([`CHECK (((role = 'PLATFORM_ADMIN'::"Role") = ("tenantId" IS NULL)))`]));
    expect(draft.profile.withoutTenant).toEqual({ users: { count: 2, values: { role: 'PLATFORM_ADMIN' }, rows: [{ email: 'platform-admin@example.test' }] } });
    expect(draft.findings.filter((f) => f.level === 'hand-edit' && f.table === 'users')).toEqual([]);
    const users = draft.definitions.get('users')!.properties as Record<string, Record<string, unknown>>;
    expect(users.tenantId).toEqual({ type: ['string', 'null'] });
    const plan = planOf(draft);
    const table = plan.tables.find((t) => t.name === 'users')!;
    const rows = [...table.rows()].map((r) => Object.fromEntries(table.columns.map((c, i) => [c, r[i]])));
    expect(rows.filter((r) => r.tenantId === null).map((r) => r.role)).toEqual(['PLATFORM_ADMIN', 'PLATFORM_ADMIN']);
    expect(rows.filter((r) => r.tenantId !== null).every((r) => r.role !== 'PLATFORM_ADMIN')).toBe(true);
  });

  it('drafts none, with a warning, for a nullable tenant column that nothing says is left empty on purpose', () => {
    const draft = draftProject(schema([]));
    expect(draft.profile.withoutTenant).toBeUndefined();
    expect(draft.findings).toContainEqual(expect.objectContaining({ level: 'warning', table: 'users', message: expect.stringMatching(/nullable.*"withoutTenant"/) }));
    const plan = planOf(draft);
    const table = plan.tables.find((t) => t.name === 'users')!;
    expect([...table.rows()].every((r) => r[table.columns.indexOf('tenantId')] !== null)).toBe(true);
  });

  it('drafts none when a policy shows rows with a NULL tenant to every tenant, and says why', () => {
    const draft = draftProject(schema([`CHECK (((role = 'PLATFORM_ADMIN'::"Role") = ("tenantId" IS NULL)))`], POLICY(`(("tenantId" = current_setting('app.org'::text, true)) OR ("tenantId" IS NULL))`)));
    expect(draft.profile.withoutTenant).toBeUndefined();
    expect(draft.findings).toContainEqual(expect.objectContaining({ level: 'warning', table: 'users', message: expect.stringMatching(/policy tenant_isolation shows rows where it is NULL to every tenant/) }));
  });
});
