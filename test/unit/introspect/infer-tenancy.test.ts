import type { SchemaSnapshot, SnapshotColumn, SnapshotConstraint, SnapshotFunction, SnapshotPolicy, SnapshotRole, SnapshotTable } from '../../../src/db';
import { draftProject, inferTenancy } from '../../../src/introspect';

/** Catalog rows as readSchemaSnapshot returns them. */
const col = (name: string, baseType: string, extra: Partial<SnapshotColumn> = {}): SnapshotColumn =>
  ({ name, type: baseType, baseType, isArray: false, notNull: true, generated: false, ...extra });
const pk = (...columns: string[]): SnapshotConstraint => ({ name: `pk_${columns.join('_')}`, kind: 'primary', columns, definition: '' });
const uq = (...columns: string[]): SnapshotConstraint => ({ name: `uq_${columns.join('_')}`, kind: 'unique', columns, definition: '' });
const fk = (columns: string[], refTable: string, refColumns: string[]): SnapshotConstraint => ({ name: `fk_${columns.join('_')}_${refTable}`, kind: 'foreign', columns, refTable, refColumns, definition: '' });
const table = (name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[], policies: SnapshotPolicy[] = []): SnapshotTable =>
  ({ schema: 'public', name, columns, constraints, uniqueIndexes: [], policies, rlsEnabled: policies.length > 0, rlsForced: policies.length > 0, rows: 0 });
const role = (name: string, tables: string[], extra: Partial<SnapshotRole> = {}): SnapshotRole => ({ name, superuser: false, bypassRls: false, canLogin: true, tables, ...extra });
const policy = (column: string, roles = ['public']): SnapshotPolicy => ({ name: `isolate_${column}`, roles, using: `(${column} = (NULLIF(current_setting('app.tenant'::text, true), ''::text))::uuid)` });
const snapshot = (tables: SnapshotTable[], roles: SnapshotRole[] = [], functions: SnapshotFunction[] = []): SchemaSnapshot => ({ schema: 'public', tables, roles, functions });
const messages = (findings: readonly { level: string; table?: string; message: string }[], level: string) =>
  findings.filter((f) => f.level === level).map((f) => `${f.table ? `${f.table}: ` : ''}${f.message}`);

/** A Knex-style schema: a `tenant` column everywhere, with a foreign key to `tenants` in only some tables. */
function knexLike(): SchemaSnapshot {
  const withFk = (name: string) => table(name, [col('tenant', 'uuid'), col('id', 'uuid'), col('title', 'text')], [pk('tenant', 'id'), fk(['tenant'], 'tenants', ['id'])], [policy('tenant')]);
  return snapshot([
    table('tenants', [col('id', 'uuid'), col('slug', 'text')], [pk('id'), uq('slug')]),
    withFk('projects'), withFk('tasks'), withFk('labels'), withFk('boards'),
    // Leads its keys, named as the others name it, no foreign key, no policy.
    table('comments', [col('tenant', 'uuid'), col('id', 'uuid'), col('body', 'text')], [pk('tenant', 'id')]),
    // Not in its keys, but its policy compares it with the setting.
    table('events', [col('id', 'int8'), col('tenant', 'uuid'), col('kind', 'text')], [pk('id')], [policy('tenant')]),
    // Named otherwise, leads a unique key, named like a tenant.
    table('webhooks', [col('id', 'uuid'), col('workspace_tenant_id', 'uuid'), col('url', 'text')], [pk('id'), uq('workspace_tenant_id', 'url')]),
    // Shared tables: one uuid key leads nothing composite; a join of two uuids named like no tenant.
    table('countries', [col('id', 'uuid'), col('code', 'text')], [pk('id'), uq('code')]),
    table('plan_features', [col('plan_id', 'uuid'), col('feature_id', 'uuid')], [pk('plan_id', 'feature_id')]),
    // Nullable `tenant`: no evidence that it is the tenant column.
    table('audit', [col('id', 'uuid'), col('tenant', 'uuid', { notNull: false })], [pk('id')]),
  ]);
}

describe('tenant columns by evidence', () => {
  it('finds a tenant column without a foreign key by its name, its policy, or its lead in the keys, and leaves shared tables alone', () => {
    const t = inferTenancy(knexLike());
    expect(t.root).toBe('tenants');
    expect(Object.fromEntries(t.tenantColumns)).toEqual({
      projects: 'tenant', tasks: 'tenant', labels: 'tenant', boards: 'tenant', comments: 'tenant', events: 'tenant', webhooks: 'workspace_tenant_id',
    });
    const inferred = messages(t.findings, 'inferred');
    expect(inferred).toContainEqual(expect.stringMatching(/^comments: tenant column tenant \(no foreign key to tenants\): tables that reference tenants name their tenant column tenant too/));
    expect(inferred).toContainEqual(expect.stringMatching(/^events: tenant column tenant \(no foreign key to tenants\): its row-level-security policies compare it/));
    expect(inferred).toContainEqual(expect.stringMatching(/^webhooks: tenant column workspace_tenant_id .*leads the table's keys/));
  });

  it('drafts the FK-less tables as tenant tables that generate', () => {
    const draft = draftProject(knexLike());
    expect(draft.definitions.get('comments')!['x-tenant-column']).toBe('tenant');
    expect(draft.definitions.get('comments')!['x-primary-key']).toEqual(['tenant', 'id']);
    expect(draft.definitions.get('countries')!['x-tenant-column']).toBeUndefined();
  });

  it('takes tenancy.column of the config for every table that has it, and a definition\'s x-tenant-column over any evidence', () => {
    const t = inferTenancy(knexLike(), { column: 'tenant', tenantColumns: new Map([['webhooks', 'id'], ['countries', 'no_such_column']]) });
    expect(t.tenantColumns.get('audit')).toBe('tenant');
    expect(t.tenantColumns.get('webhooks')).toBe('id');
    expect(t.tenantColumns.has('countries')).toBe(false);
    expect(messages(t.findings, 'inferred')).toContain('audit: tenant column tenant: as tenantseed.config.json says (tenancy.column)');
    expect(messages(t.findings, 'inferred')).toContain('webhooks: tenant column id: as its definition says (x-tenant-column)');
  });
});

/** An Alembic-style schema: tenant policies for everyone, an admin bypass `TO postgres` and `TO ops`. */
function alembicLike(roles: SnapshotRole[]): SchemaSnapshot {
  const bypass = (roles: string[]): SnapshotPolicy => ({ name: 'admin_bypass', roles, using: 'true' });
  const tenantTable = (name: string) => table(name, [col('tenant_id', 'uuid'), col('id', 'uuid')], [pk('tenant_id', 'id'), fk(['tenant_id'], 'tenants', ['id'])], [policy('tenant_id'), bypass(['postgres']), bypass(['ops'])]);
  return snapshot([table('tenants', [col('id', 'uuid'), col('slug', 'text')], [pk('id'), uq('slug')]), tenantTable('users'), tenantTable('documents'), tenantTable('invoices')], roles);
}

describe('the application role', () => {
  const all = ['tenants', 'users', 'documents', 'invoices'];

  it('is the role with DML grants on the tenant tables, never a superuser, a BYPASSRLS role, or a role only a bypass policy names', () => {
    const t = inferTenancy(alembicLike([
      role('postgres', all, { superuser: true }), role('ops', all), role('app_admin', all, { bypassRls: true, canLogin: false }),
      role('reporting', ['documents']), role('app_user', ['users', 'documents', 'invoices']),
    ]));
    expect(t.appRole).toBe('app_user');
    expect(t.adminRole).toBe('app_admin');
    expect(messages(t.findings, 'inferred')).toContainEqual(expect.stringMatching(
      /^application role app_user \(granted DML on 3 tenant table\(s\), subject to row-level security\); not app_admin \(BYPASSRLS\), ops \(named only by a policy that does not compare the tenant\), postgres \(a superuser\)$/,
    ));
  });

  it('is none, said as a warning, when only roles that escape row-level security are granted the tables', () => {
    const t = inferTenancy(alembicLike([role('postgres', all, { superuser: true }), role('ops', all), role('app_admin', all, { bypassRls: true })]));
    expect(t.appRole).toBeUndefined();
    expect(messages(t.findings, 'hand-edit')).toContainEqual(expect.stringMatching(/^no application role: no role subject to row-level security has DML grants on the tenant tables \(not app_admin \(BYPASSRLS\), ops .*postgres \(a superuser\)\); none is written/));
  });

  it('prefers a role the tenant policies name over one granted more tables', () => {
    const s = alembicLike([role('wide', ['users', 'documents', 'invoices']), role('api', ['users'])]);
    const named = { ...s, tables: s.tables.map((t) => ({ ...t, policies: t.policies.map((p) => (p.name.startsWith('isolate') ? { ...p, roles: ['api'] } : p)) })) };
    expect(inferTenancy(named).appRole).toBe('api');
  });
});

describe('policies through functions', () => {
  const fn = (name: string, body: string, extra: Partial<SnapshotFunction> = {}): SnapshotFunction => ({ schema: 'public', name, language: 'plpgsql', body, args: 0, ...extra });
  const getter = fn('get_current_organization_context', "BEGIN RETURN NULLIF(current_setting('app.current_organization_id', true), '')::uuid; END");
  const orgTable = (name: string) => table(name, [col('organization_id', 'uuid'), col('id', 'uuid')], [pk('organization_id', 'id'), fk(['organization_id'], 'organizations', ['id'])],
    [{ name: 'org_isolation', roles: ['public'], using: '(organization_id = get_current_organization_context())' }]);
  const schema = (functions: SnapshotFunction[]) => snapshot(
    [table('organizations', [col('id', 'uuid'), col('slug', 'text')], [pk('id'), uq('slug')]), orgTable('members'), orgTable('projects')],
    [role('app_user', ['members', 'projects'])], functions,
  );

  it('finds the setting through the function the policies call, and the function that sets it as tenancy.setContext', () => {
    const setter = fn('set_org_context', "BEGIN PERFORM set_config('app.current_organization_id', org_id::text, true); END", { args: 1, identityArgs: 'org_id uuid' });
    const draft = draftProject(schema([getter, setter]));
    expect(draft.tenancy).toEqual({ setting: 'app.current_organization_id', setContext: 'select set_org_context($1)', appRole: 'app_user', adminRole: undefined });
    expect(draft.definitions.get('members')!['x-tenant-column']).toBe('organization_id');
    expect(messages(draft.findings, 'inferred')).toContain('members: policy org_isolation reads app.current_organization_id through public.get_current_organization_context');
  });

  it('drafts no setContext from a function that sets the setting for the whole session, and says why', () => {
    const session = fn('set_org_session', "BEGIN PERFORM set_config('app.current_organization_id', org_id::text, false); END", { args: 1 });
    const draft = draftProject(schema([getter, session]));
    expect(draft.tenancy.setContext).toBeUndefined();
    expect(messages(draft.findings, 'warning')).toContainEqual(expect.stringContaining('public.set_org_session set(s) app.current_organization_id for the whole session'));
  });
});
