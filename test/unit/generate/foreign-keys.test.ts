import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { SchemaSnapshot, SnapshotColumn, SnapshotConstraint, SnapshotTable } from '../../../src/db';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan } from '../../../src/generate';
import { draftProject, ProjectDraft } from '../../../src/introspect';

/**
 * `x-foreign-keys`: a foreign key over several columns copies one existing parent row of the
 * same tenant (the Knex application's email_verifications -> user_emails (tenant, user_id, email)).
 */
function col(name: string, baseType: string, extra: Partial<SnapshotColumn> = {}): SnapshotColumn {
  return { name, type: baseType, baseType, isArray: false, notNull: true, generated: false, ...extra } as SnapshotColumn;
}
const pk = (...columns: string[]): SnapshotConstraint => ({ name: 'pkey', kind: 'primary', columns, definition: `PRIMARY KEY (${columns.join(', ')})` });
const fk = (columns: string[], refTable: string, refColumns: string[]): SnapshotConstraint => ({
  name: `fk_${columns.join('_')}`, kind: 'foreign', columns, refTable, refColumns, definition: `FOREIGN KEY (${columns.join(', ')}) REFERENCES ${refTable}(${refColumns.join(', ')})`,
});
const table = (name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[]): SnapshotTable => ({
  schema: 'public', name, columns, constraints, uniqueIndexes: [], policies: [], rlsEnabled: false, rlsForced: false, rows: 0,
} as SnapshotTable);

function knexSchema(): SchemaSnapshot {
  return {
    schema: 'public',
    roles: [],
    tables: [
      table('tenants', [col('id', 'uuid'), col('slug', 'text')], [pk('id'), { ...pk('slug'), name: 'uq', kind: 'unique', definition: 'UNIQUE (slug)' }]),
      table('users', [col('tenant', 'uuid'), col('id', 'uuid'), col('email', 'varchar', { maxLength: 255 })], [pk('tenant', 'id'), fk(['tenant'], 'tenants', ['id'])]),
      table('user_emails', [col('tenant', 'uuid'), col('user_id', 'uuid'), col('email', 'varchar', { maxLength: 255 })],
        [pk('tenant', 'user_id', 'email'), fk(['tenant'], 'tenants', ['id']), fk(['tenant', 'user_id'], 'users', ['tenant', 'id'])]),
      table('email_verifications', [col('tenant', 'uuid'), col('id', 'uuid'), col('user_id', 'uuid'), col('email', 'varchar', { maxLength: 255 }), col('token', 'text')],
        [pk('tenant', 'id'), fk(['tenant', 'user_id', 'email'], 'user_emails', ['tenant', 'user_id', 'email'])]),
    ],
  };
}

function rowsOf(draft: ProjectDraft, edit: (defs: Map<string, Record<string, unknown>>) => void = () => undefined, seed = 1): Map<string, Array<Record<string, unknown>>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-fk-'));
  try {
    fs.mkdirSync(path.join(dir, 'definitions'));
    fs.mkdirSync(path.join(dir, 'environments'));
    const defs = new Map([...draft.definitions].map(([k, v]) => [k, structuredClone(v) as Record<string, unknown>]));
    edit(defs);
    for (const [name, definition] of defs) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(definition));
    fs.writeFileSync(path.join(dir, 'environments', 'development.json'), JSON.stringify({ ...draft.profile, seed }));
    const plan = buildPlan({ definitions: loadDefinitions(path.join(dir, 'definitions')), profile: loadProfile(path.join(dir, 'environments'), 'development') });
    return new Map(plan.tables.map((t) => [t.name, [...t.rows()].map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i]])))]));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

describe('x-foreign-keys', () => {
  const draft = draftProject(knexSchema());

  it('is drafted for a foreign key through (tenant, user_id, email), and email is a value, not an id', () => {
    expect(draft.definitions.get('email_verifications')!['x-foreign-keys']).toEqual([{ columns: ['user_id', 'email'], table: 'user_emails', references: ['user_id', 'email'] }]);
    const email = (draft.definitions.get('user_emails')!.properties as Record<string, Record<string, unknown>>).email;
    expect(email['x-generate']).not.toBe('cuid');
    expect(email.format ?? email['x-faker'] ?? email['x-generate']).toBeDefined();
    expect(draft.findings.filter((f) => f.level === 'hand-edit' && !/^no application role/.test(f.message))).toEqual([]); // the snapshot has no roles: that hand edit is introspect's, not the keys'
  });

  it('copies an existing parent tuple of the same tenant into every row, for any seed', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      const rows = rowsOf(draft, undefined, seed);
      const parents = new Set(rows.get('user_emails')!.map((r) => `${r.tenant}|${r.user_id}|${r.email}`));
      const children = rows.get('email_verifications')!;
      expect(children.length).toBeGreaterThan(0);
      for (const r of children) expect(parents.has(`${r.tenant}|${r.user_id}|${r.email}`)).toBe(true);
    }), { numRuns: 4 });
  });

  it('draws the parent row as one digit of a unique key that holds all the columns, and refuses one that holds some', () => {
    const unique = rowsOf(draft, (defs) => {
      const ev = defs.get('email_verifications')!;
      ev['x-unique-keys'] = [['tenant', 'user_id', 'email']];
      ev['x-count'] = { default: 3 };
    });
    const tuples = unique.get('email_verifications')!.map((r) => `${r.tenant}|${r.user_id}|${r.email}`);
    expect(new Set(tuples).size).toBe(tuples.length);
    expect(() => rowsOf(draft, (defs) => { defs.get('email_verifications')!['x-unique-keys'] = [['tenant', 'email', 'token']]; }))
      .toThrow(/holds only some of the columns of the foreign key \(user_id, email\) to user_emails/);
  });

  it('refuses a tenant column paired with another column, a column with an x-ref too, and a table referencing itself', () => {
    const withKey = (key: Record<string, unknown>) => () => rowsOf(draft, (defs) => { defs.get('email_verifications')!['x-foreign-keys'] = [key]; });
    expect(withKey({ columns: ['tenant', 'user_id', 'email'], table: 'user_emails', references: ['user_id', 'tenant', 'email'] })).toThrow(/the tenant column tenant must reference user_emails's tenant column tenant/);
    expect(withKey({ columns: ['user_id', 'email'], table: 'email_verifications', references: ['id', 'email'] })).toThrow(/references itself/);
    expect(withKey({ columns: ['user_id', 'email'], table: 'user_emails', references: ['user_id', 'nope'] })).toThrow(/"nope" is not a column of user_emails/);
    expect(() => rowsOf(draft, (defs) => {
      ((defs.get('email_verifications')!.properties as Record<string, Record<string, unknown>>).user_id)['x-ref'] = 'users.id';
    })).toThrow(/user_id has an x-ref too/);
  });
});
