import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SchemaSnapshot, SnapshotColumn, SnapshotConstraint, SnapshotTable } from '../../../src/db';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, guardRows, RowGuard } from '../../../src/generate';
import { draftProject, ProjectDraft } from '../../../src/introspect';

/** Small catalog fixtures, written as `readSchemaSnapshot` returns them. */
const TYPES: Record<string, Partial<SnapshotColumn>> = {
  uuid: { baseType: 'uuid' }, text: { baseType: 'text' }, int4: { baseType: 'int4', type: 'integer' }, int8: { baseType: 'int8', type: 'bigint' },
  bool: { baseType: 'bool', type: 'boolean' }, date: { baseType: 'date' }, timestamptz: { baseType: 'timestamptz', type: 'timestamp with time zone' },
  jsonb: { baseType: 'jsonb' }, bytea: { baseType: 'bytea' },
};

function col(name: string, type: string, extra: Partial<SnapshotColumn> = {}): SnapshotColumn {
  const varchar = /^varchar\((\d+)\)$/.exec(type);
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(type);
  const base: Partial<SnapshotColumn> = varchar ? { baseType: 'varchar', maxLength: Number(varchar[1]) }
    : numeric ? { baseType: 'numeric', precision: Number(numeric[1]), scale: Number(numeric[2]) } : TYPES[type] ?? { baseType: type };
  return { name, type, isArray: false, notNull: true, generated: false, ...base, ...extra } as SnapshotColumn;
}

const pk = (...columns: string[]): SnapshotConstraint => ({ name: 'pkey', kind: 'primary', columns, definition: `PRIMARY KEY (${columns.join(', ')})` });
const uq = (...columns: string[]): SnapshotConstraint => ({ name: `uq_${columns.join('_')}`, kind: 'unique', columns, definition: `UNIQUE (${columns.join(', ')})` });
const fk = (columns: string[], refTable: string, refColumns: string[]): SnapshotConstraint => ({
  name: `fk_${columns.join('_')}`, kind: 'foreign', columns, refTable, refColumns, definition: `FOREIGN KEY (${columns.join(', ')}) REFERENCES ${refTable}(${refColumns.join(', ')})`,
});
const check = (name: string, definition: string): SnapshotConstraint => ({ name, kind: 'check', columns: [], definition });
const ORG_POLICY = (column: string) => ({ name: 'isolation', roles: ['public'], using: `(${column} = (NULLIF(current_setting('app.org'::text, true), ''::text))::uuid)` });

function table(name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[], extra: Partial<SnapshotTable> = {}): SnapshotTable {
  return { schema: 'public', name, columns, constraints, uniqueIndexes: [], policies: [], rlsEnabled: false, rlsForced: false, rows: 0, ...extra };
}

function snapshot(tables: SnapshotTable[], roles: SchemaSnapshot['roles'] = []): SchemaSnapshot {
  return { schema: 'public', tables, roles };
}

/** Writes the draft as introspect does, and makes every row once, each checked against its definition. */
function generateDraft(draft: ProjectDraft): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-draft-'));
  fs.mkdirSync(path.join(dir, 'definitions'));
  fs.mkdirSync(path.join(dir, 'environments'));
  for (const [name, definition] of draft.definitions) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(definition));
  fs.writeFileSync(path.join(dir, 'environments', 'development.json'), JSON.stringify(draft.profile));
  const plan = buildPlan({ definitions: loadDefinitions(path.join(dir, 'definitions')), profile: loadProfile(path.join(dir, 'environments'), 'development') });
  let rows = 0;
  for (const t of plan.tables) for (const _row of guardRows(t.rows(), new RowGuard(t, { strict: true }))) rows++;
  fs.rmSync(dir, { recursive: true });
  return rows;
}

const messages = (draft: ProjectDraft, level?: string) => draft.findings.filter((f) => !level || f.level === level).map((f) => `${f.table ? `${f.table}: ` : ''}${f.message}`);
const props = (draft: ProjectDraft, name: string) => draft.definitions.get(name)!.properties as Record<string, Record<string, unknown>>;

/** An organisation-scoped schema with RLS on app.org. */
function orgSchema(): SchemaSnapshot {
  const rls = { rlsEnabled: true, rlsForced: true };
  return snapshot([
    table('orgs', [col('id', 'uuid', { default: 'gen_random_uuid()' }), col('slug', 'text'), col('name', 'varchar(80)'), col('is_default', 'bool', { default: 'false' })],
      [pk('id'), uq('slug'), check('orgs_slug_check', "CHECK ((slug ~ '^[a-z][a-z0-9-]*$'::text))")], { ...rls, policies: [ORG_POLICY('id')] }),
    table('members', [
      col('org_id', 'uuid'), col('id', 'uuid'), col('email', 'varchar(160)'), col('first_name', 'text'), col('city', 'text', { notNull: false }),
      col('role', 'member_role', { enumLabels: ['owner', 'editor', 'viewer'], default: "'viewer'::member_role" }), col('age', 'int4'),
      col('created_at', 'timestamptz', { default: 'now()' }), col('updated_at', 'timestamptz', { default: 'now()' }),
      col('search', 'tsvector', { generated: true, notNull: false }), col('seq', 'int8', { identity: 'always' }),
    ], [pk('org_id', 'id'), uq('org_id', 'email'), fk(['org_id'], 'orgs', ['id']), check('members_age_check', 'CHECK (((age >= 18) AND (age <= 99)))'), check('members_email_check', 'CHECK (((email)::text = lower((email)::text)))')],
    { ...rls, policies: [ORG_POLICY('org_id')] }),
    table('settings', [col('org_id', 'uuid'), col('id', 'uuid'), col('prefs', 'jsonb', { default: "'{}'::jsonb" }), col('tags', 'text[]', { isArray: true, baseType: 'text', default: "'{}'::text[]" })],
      [pk('org_id', 'id'), uq('org_id'), fk(['org_id'], 'orgs', ['id'])], { ...rls, policies: [ORG_POLICY('org_id')] }),
    table('teams', [col('org_id', 'uuid'), col('id', 'int8', { identity: 'by-default' }), col('code', 'varchar(40)'), col('budget', 'numeric(8,2)', { notNull: false })],
      [pk('org_id', 'id'), uq('code'), fk(['org_id'], 'orgs', ['id']), check('teams_budget_check', 'CHECK ((budget >= (0)::numeric))')], { ...rls, policies: [ORG_POLICY('org_id')] }),
    table('team_members', [col('org_id', 'uuid'), col('team_id', 'int8'), col('member_id', 'uuid'), col('since', 'date')],
      [pk('org_id', 'team_id', 'member_id'), fk(['org_id', 'team_id'], 'teams', ['org_id', 'id']), fk(['org_id', 'member_id'], 'members', ['org_id', 'id'])], { rlsEnabled: true, rlsForced: false, policies: [ORG_POLICY('org_id')] }),
    table('notes', [col('org_id', 'uuid'), col('id', 'uuid'), col('member_id', 'uuid'), col('body', 'text'), col('weird', 'text'), col('code', 'varchar(12)'),
      col('window_from', 'timestamptz'), col('window_to', 'timestamptz'), col('ref_score', 'int4', { notNull: false }),
      col('prompt_tokens', 'int4'), col('completion_tokens', 'int4'), col('total_tokens', 'int4', { default: '0' })],
      [pk('org_id', 'id'), fk(['org_id'], 'orgs', ['id']), fk(['member_id'], 'members', ['id']), check('notes_weird_check', 'CHECK ((is_weird(weird)))'),
        check('notes_code_check', 'CHECK (((char_length((code)::text) >= 4) AND (char_length((code)::text) <= 8)))'),
        check('notes_window_check', 'CHECK ((window_from < window_to))'),
        check('notes_score_check', 'CHECK (((ref_score IS NULL) OR ((ref_score >= 1) AND (ref_score <= 5))))'),
        check('notes_score_max_check', 'CHECK ((ref_score <= 7))'), check('notes_total_check', 'CHECK ((total_tokens = (prompt_tokens + completion_tokens)))')]),
    table('note_reads', [col('note_id', 'uuid'), col('read_at', 'timestamptz')], [fk(['note_id'], 'notes', ['id'])]),
    table('_prisma_migrations', [col('id', 'varchar(36)')], [pk('id')]),
  ], [
    { name: 'app_user', superuser: false, bypassRls: false, canLogin: true, tables: ['members', 'settings', 'teams', 'team_members', 'notes'] },
    { name: 'app_admin', superuser: false, bypassRls: true, canLogin: false, tables: ['orgs', 'members', 'settings', 'teams'] },
    { name: 'reporting', superuser: false, bypassRls: false, canLogin: true, tables: ['members'] },
  ]);
}

describe('drafting definitions from a catalog', () => {
  const draft = draftProject(orgSchema());

  it('finds the tenant root by its policy, the tenant columns, the setting and the roles', () => {
    expect(draft.root).toBe('orgs');
    expect(draft.definitions.get('orgs')!['x-tenant-root']).toBe(true);
    expect(draft.definitions.get('members')!['x-tenant-column']).toBe('org_id');
    expect(draft.definitions.get('team_members')!['x-tenant-column']).toBe('org_id');
    expect(draft.tenancy).toEqual({ setting: 'app.org', appRole: 'app_user', adminRole: 'app_admin' });
  });

  it('skips migration tools\' ledgers', () => {
    expect(draft.definitions.has('_prisma_migrations')).toBe(false);
    expect(messages(draft)).toContain("_prisma_migrations: _prisma_migrations skipped: Prisma's migration bookkeeping");
  });

  it('reads keys: composite references in the tenant, join tables as tuples, uniques per tenant, across tenants, one row per tenant', () => {
    const teamMembers = draft.definitions.get('team_members')!;
    expect(teamMembers['x-primary-key']).toEqual(['org_id', 'team_id', 'member_id']);
    expect(props(draft, 'team_members').team_id).toEqual({ type: 'integer', 'x-ref': 'teams.id' });
    expect(props(draft, 'team_members').member_id).toEqual({ type: 'string', format: 'uuid', 'x-ref': 'members.id' });
    expect(props(draft, 'members').email['x-unique']).toBe('tenant');
    expect(draft.definitions.get('members')!['x-natural-key']).toBe('email');
    expect(props(draft, 'teams').code).toMatchObject({ 'x-unique': 'global', maxLength: 40, 'x-generate': { template: '{word}-{tenant}-{row}' } });
    expect(draft.definitions.get('settings')!['x-count']).toEqual({ default: 1, scale: false });
    expect(props(draft, 'teams').id).toEqual({ type: 'integer' });
  });

  it('reads types and CHECKs: enum types, ranges, numeric(p,s), patterns, lowercase, arrays, JSON, dates in order', () => {
    const members = props(draft, 'members');
    // One owner per tenant (its first row, weight 0 elsewhere), more editors, most viewers: real role columns are skewed (column-meaning.ts).
    expect(members.role).toEqual({ enum: ['owner', 'editor', 'viewer'], 'x-weights': [0, 14, 20], 'x-first-row': 'owner' });
    expect(members.age).toMatchObject({ type: 'integer', minimum: 18, maximum: 99 });
    expect(members.email['x-generate']).toMatchObject({ template: '{first}.{last}@{domain}' });
    expect(members.first_name).toEqual({ type: 'string', 'x-faker': 'person.firstName' });
    expect(members.city).toEqual({ type: ['string', 'null'], 'x-faker': 'location.city', 'x-null-probability': 0.2 });
    expect(members.updated_at['x-generate']).toEqual({ date: { after: 'created_at', maxDays: 30 } });
    expect(props(draft, 'teams').budget).toMatchObject({ type: ['number', 'null'], minimum: 0, maximum: 5000, multipleOf: 0.01, 'x-generate': { number: [0, 5000], decimals: 2, skew: 3 } });
    expect(props(draft, 'orgs').slug).toMatchObject({ pattern: '^[a-z][a-z0-9-]*$', 'x-unique': 'global', 'x-generate': { template: '{word}-{row}' } });
    expect(props(draft, 'settings').prefs).toEqual({ type: 'object' });
    expect(props(draft, 'settings').tags).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(props(draft, 'team_members').since).toEqual({ type: 'string', format: 'date' });
  });

  it('leaves to the database what it makes itself: generated columns, identity ALWAYS, plain defaults', () => {
    expect(Object.keys(props(draft, 'members'))).not.toEqual(expect.arrayContaining(['search']));
    expect(props(draft, 'members').seq).toBeUndefined();
    expect(props(draft, 'orgs').is_default).toBeUndefined();
    expect(props(draft, 'orgs').name).toEqual({ type: 'string', maxLength: 80, 'x-faker': 'company.name' });
  });

  it('reports isolation gaps: RLS not forced, no RLS, a reference without the tenant column, a table isolated only through a chain', () => {
    const warnings = messages(draft, 'warning');
    expect(warnings).toContain('team_members: team_members has a tenant column but row-level security is enabled, not forced (the table owner bypasses it)');
    expect(warnings).toContain('notes: notes has a tenant column but row-level security is not enabled');
    expect(warnings.some((w) => w.startsWith('notes: notes.member_id references members without org_id'))).toBe(true);
    // note_reads has no RLS: its chain (x-tenant-via) is drafted, and the hole is named.
    expect(warnings.some((w) => w.startsWith('note_reads: note_reads has no tenant column: its rows take the tenant of the notes row note_id points at ("x-tenant-via": "note_id"). It has no row-level security'))).toBe(true);
    expect(draft.definitions.get('note_reads')!['x-tenant-via']).toBe('note_id');
    expect(draft.definitions.get('note_reads')!['x-count']).toEqual({ default: 10 });
  });

  it('keeps a CHECK it cannot read in "x-checks", with its expression, for PostgreSQL to evaluate: no hand edit', () => {
    expect(draft.definitions.get('notes')!['x-checks']).toEqual({ notes_weird_check: '(is_weird(weird))' });
    expect(messages(draft, 'inferred')).toContain('notes: CHECK notes_weird_check (CHECK ((is_weird(weird)))) is not read as a rule (tenantseed cannot read `is_weird(weird)`): kept in "x-checks", PostgreSQL evaluates it on the drawn rows and a row that breaks it is drawn again');
    expect(messages(draft, 'hand-edit').filter((m) => m.includes('CHECK'))).toEqual([]);
  });

  it('drafts length limits, a nullable range tightened by a second CHECK, and an order of two timestamps from CHECKs', () => {
    const notes = props(draft, 'notes');
    expect(notes.code).toMatchObject({ minLength: 4, maxLength: 8 });
    expect(notes.ref_score).toMatchObject({ type: ['integer', 'null'], minimum: 1, maximum: 5 });
    expect(notes.window_to['x-generate']).toEqual({ date: { after: 'window_from', maxDays: 30, strict: true } });
    expect(messages(draft, 'inferred')).toContain('notes: CHECK notes_window_check read as an order: window_to > window_from');
    expect(notes.total_tokens).toEqual({ type: 'integer', 'x-generate': { sum: ['prompt_tokens', 'completion_tokens'] } });
  });

  it('drafts files that generate every row valid, with named tenants that fit the slug CHECK', () => {
    expect((draft.profile.tenants as { named: unknown[] }).named).toEqual([{ slug: 'acme', name: 'Acme Corp' }, { slug: 'globex', name: 'Globex Corporation' }, { slug: 'initech', name: 'Initech' }]);
    expect(generateDraft(draft)).toBeGreaterThan(100);
  });

  it('gives the same draft for the same catalog', () => {
    expect(JSON.stringify([...draftProject(orgSchema()).definitions])).toBe(JSON.stringify([...draft.definitions]));
  });

  it('finds the root without policies, by the tables that carry its key in their own keys', () => {
    const plain = orgSchema();
    const tables = plain.tables.map((t) => ({ ...t, policies: [], rlsEnabled: false, rlsForced: false }));
    const found = draftProject({ ...plain, tables });
    expect(found.root).toBe('orgs');
    expect(found.tenancy.setting).toBeUndefined();
    expect(messages(found, 'warning')).toContain('members: members has a tenant column but row-level security is not enabled');
  });
});

describe('policies that isolate tenants in a database with no table of tenants', () => {
  // A service's own database: tenant ids come from another service, no table here holds them.
  const policy = { name: 'isolation', roles: ['public'], using: "((tenant_id)::text = ( SELECT current_setting('app.current_tenant'::text) AS current_setting))" };
  const draft = draftProject(snapshot([
    table('projects', [col('project_id', 'varchar(36)'), col('tenant_id', 'varchar(36)'), col('name', 'varchar(36)')], [pk('project_id')], { rlsEnabled: true, policies: [policy] }),
    table('tasks', [col('task_id', 'varchar(36)'), col('tenant_id', 'varchar(36)'), col('project_id', 'varchar(36)')], [pk('task_id'), fk(['project_id'], 'projects', ['project_id'])], { rlsEnabled: true, policies: [policy] }),
  ]));

  it('is a hand edit naming the isolated tables and the setting, never "no tenant column found"', () => {
    expect(draft.root).toBeUndefined();
    expect(messages(draft, 'warning').some((m) => /no tenant column found/.test(m))).toBe(false);
    const [edit] = messages(draft, 'hand-edit');
    expect(edit).toMatch(/compare 2 table\(s\) with app\.current_tenant \(projects\.tenant_id, tasks\.tenant_id\)/);
    expect(edit).toMatch(/no table of tenants is in this database/);
  });
});

describe('a schema with no tenant column at all', () => {
  const draft = draftProject(snapshot([
    table('authors', [col('id', 'uuid'), col('name', 'text'), col('email', 'text')], [pk('id'), uq('email')]),
    table('books', [col('id', 'int8'), col('author_id', 'uuid'), col('title', 'varchar(200)'), col('cover', 'bytea', { notNull: false }), col('blob', 'bytea')], [pk('id'), fk(['author_id'], 'authors', ['id'])]),
    table('legacy_counter', [col('n', 'int4')], []),
  ]));

  it('says so, and still writes definitions that generate', () => {
    expect(draft.root).toBeUndefined();
    expect(messages(draft, 'warning')[0]).toMatch(/^no tenant column found/);
    expect(draft.definitions.get('books')!['x-tenant-column']).toBeUndefined();
    expect(props(draft, 'books').author_id).toEqual({ type: 'string', format: 'uuid', 'x-ref': 'authors.id' });
    expect(props(draft, 'authors').email['x-unique']).toBe('global');
    expect(draft.profile.tenants).toEqual({ named: [], generated: 0, sizes: [{ share: 1, scale: 1 }] });
  });

  it('names a NOT NULL column it cannot fill and a table without a key as hand edits, and leaves a nullable one to the database', () => {
    const edits = messages(draft, 'hand-edit');
    expect(edits).toContain('books: blob (bytea) is NOT NULL and tenantseed cannot make its values: add it to definitions/books.json ("properties") with a "const" or an "x-generate"');
    expect(edits).toContain('legacy_counter: legacy_counter has no primary key; n stands in, as if unique: check it');
    expect(messages(draft, 'inferred')).toContain('books: cover (bytea) left to the database (null)');
  });

  it('drafts an int4 id within its column (ids in a block per tenant), and names an int2 id tenantseed cannot fill', () => {
    const withId = (type: string) => draftProject({
      ...orgSchema(), tables: orgSchema().tables.map((t) => t.name === 'teams' ? { ...t, columns: t.columns.map((c) => c.name === 'id' ? col('id', type) : c) } : t),
    });
    const int4 = withId('int4');
    expect(messages(int4, 'hand-edit').filter((m) => m.startsWith('teams:'))).toEqual([]);
    expect((int4.definitions.get('teams')!.properties as Record<string, unknown>).id).toEqual({ type: 'integer', minimum: 1, maximum: 2147483647 });
    expect(messages(withId('int2'), 'hand-edit')).toContain('teams: id column id is int2: tenantseed\'s integer ids need bigint (ALTER TABLE "teams" ALTER COLUMN "id" TYPE bigint)');
  });
});

describe('a tenant root that references its own tenant\'s rows (an account\'s owner)', () => {
  const rls = { rlsEnabled: true, rlsForced: true, policies: [ORG_POLICY('org_id')] };
  const schema = (ownerNotNull: boolean) => snapshot([
    table('orgs', [col('id', 'uuid'), col('slug', 'text'), col('owner_id', 'uuid', { notNull: ownerNotNull }), col('billing_contact', 'uuid', { notNull: false, default: 'NULL::uuid' })],
      [pk('id'), uq('slug'), fk(['owner_id'], 'members', ['id']), fk(['billing_contact'], 'members', ['id'])], { rlsEnabled: true, rlsForced: true, policies: [ORG_POLICY('id')] }),
    table('members', [col('org_id', 'uuid'), col('id', 'uuid'), col('email', 'text')], [pk('id'), fk(['org_id'], 'orgs', ['id'])], rls),
  ], [{ name: 'app_user', superuser: false, bypassRls: false, canLogin: true, tables: ['members'] }]);

  it('leaves a nullable reference out of the draft (null, or its default), says so, and the draft generates', () => {
    const draft = draftProject(schema(false));
    expect(Object.keys(props(draft, 'orgs'))).toEqual(['id', 'slug']);
    expect(messages(draft, 'warning')).toEqual(expect.arrayContaining([
      "orgs: owner_id references members, a tenant table: left null, since the tenant root's row is made before its tenant's rows; set it after seeding if the application needs it",
      "orgs: billing_contact references members, a tenant table: left to its default, since the tenant root's row is made before its tenant's rows; set it after seeding if the application needs it",
    ]));
    expect(messages(draft, 'hand-edit')).toEqual([]);
    expect(generateDraft(draft)).toBeGreaterThan(0);
  });

  it('counts a NOT NULL one without a default as a hand edit', () => {
    const draft = draftProject(schema(true));
    expect(messages(draft, 'hand-edit')).toEqual([
      "orgs: owner_id references members, a tenant table, and is NOT NULL: the tenant root's row is made before its tenant's rows, so tenantseed cannot fill it (make it nullable, and set it after seeding)",
    ]);
  });
});
