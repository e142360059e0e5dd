import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SchemaSnapshot, SnapshotColumn, SnapshotConstraint, SnapshotTable } from '../../../src/db';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, guardRows, RowGuard } from '../../../src/generate';
import { draftProject, ProjectDraft } from '../../../src/introspect';

/**
 * Drafts that used to pass their JSON Schema check and then fail to generate or load (found by
 * introspect's trial load on the fixture projects): each now generates, every row checked.
 */
function col(name: string, baseType: string, extra: Partial<SnapshotColumn> = {}): SnapshotColumn {
  return { name, type: baseType, baseType, isArray: false, notNull: true, generated: false, ...extra } as SnapshotColumn;
}
const pk = (...columns: string[]): SnapshotConstraint => ({ name: 'pkey', kind: 'primary', columns, definition: `PRIMARY KEY (${columns.join(', ')})` });
const uq = (...columns: string[]): SnapshotConstraint => ({ name: `uq_${columns.join('_')}`, kind: 'unique', columns, definition: `UNIQUE (${columns.join(', ')})` });
const fk = (columns: string[], refTable: string, refColumns: string[]): SnapshotConstraint => ({
  name: `fk_${columns.join('_')}`, kind: 'foreign', columns, refTable, refColumns, definition: `FOREIGN KEY (${columns.join(', ')}) REFERENCES ${refTable}(${refColumns.join(', ')})`,
});
const POLICY = { name: 'isolation', roles: ['public'], using: `("orgId" = current_setting('app.org'::text, true))` };
const table = (name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[], tenant = false): SnapshotTable => ({
  schema: 'public', name, columns, constraints, uniqueIndexes: [], policies: tenant ? [POLICY] : [], rlsEnabled: tenant, rlsForced: tenant, rows: 0,
} as SnapshotTable);

function generated(draft: ProjectDraft): Record<string, number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-draft-true-'));
  try {
    fs.mkdirSync(path.join(dir, 'definitions'));
    fs.mkdirSync(path.join(dir, 'environments'));
    for (const [name, definition] of draft.definitions) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(definition));
    fs.writeFileSync(path.join(dir, 'environments', 'development.json'), JSON.stringify(draft.profile));
    const plan = buildPlan({ definitions: loadDefinitions(path.join(dir, 'definitions')), profile: loadProfile(path.join(dir, 'environments'), 'development') });
    const rows: Record<string, number> = {};
    for (const t of plan.tables) for (const _row of guardRows(t.rows(), new RowGuard(t, { strict: true }))) rows[t.name] = (rows[t.name] ?? 0) + 1;
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

/** A Prisma-like schema: orgs (the root), global users, per-org members unique by user, API keys with a unique hash and token. */
function schema(): SchemaSnapshot {
  return {
    schema: 'public',
    roles: [],
    tables: [
      table('orgs', [col('id', 'text'), col('slug', 'text'), col('name', 'text')], [pk('id'), uq('slug')]),
      table('users', [col('id', 'text'), col('email', 'text')], [pk('id'), uq('email')]),
      table('members', [col('id', 'text'), col('orgId', 'text'), col('userId', 'text'), col('email', 'text')],
        [pk('id'), fk(['orgId'], 'orgs', ['id']), fk(['userId'], 'users', ['id']), uq('orgId', 'userId'), uq('orgId', 'email')], true),
      table('api_keys', [col('id', 'text'), col('orgId', 'text'), col('key_hash', 'varchar', { maxLength: 255 }), col('refresh_token', 'text')],
        [pk('id'), fk(['orgId'], 'orgs', ['id']), uq('key_hash'), uq('refresh_token')], true),
    ],
  };
}

describe('a draft that generates as introspect drafts it', () => {
  it('makes a unique SHA-256 hash column with the token generator, and a unique token with a {row} template', () => {
    const draft = draftProject(schema());
    const keys = draft.definitions.get('api_keys')!.properties as Record<string, Record<string, unknown>>;
    expect(keys.key_hash).toMatchObject({ pattern: '^[0-9a-f]{64}$', 'x-generate': { token: { group: 'key_hash', part: 'sha256' } }, 'x-unique': 'global' });
    expect(keys.refresh_token.pattern).toBeUndefined();
    expect((keys.refresh_token['x-generate'] as { template: string }).template).toMatch(/\{row\}/);
    expect(generated(draft).api_keys).toBeGreaterThan(0);
  });

  it('raises the count of a table without tenants that a per-tenant unique reference draws from, to what the largest tenant needs', () => {
    const draft = draftProject(schema());
    const members = (draft.definitions.get('members')!['x-count'] as { default: number }).default;
    const largest = Math.max(...(draft.profile.tenants as { sizes: Array<{ scale: number }> }).sizes.map((s) => s.scale));
    expect((draft.profile.counts as Record<string, number>).users).toBe(members * largest);
    expect((draft.definitions.get('users')!['x-count'] as { default: number }).default).toBe(members * largest);
    expect(generated(draft).members).toBeGreaterThan(0);
  });

  it("drafts a newTenant whose admin is named by the slug, in the first tenant table keyed by email", () => {
    const draft = draftProject(schema());
    expect(draft.definitions.get('members')!['x-natural-key']).toBe('email');
    expect(draft.profile.newTenant).toEqual({ values: {}, rows: { members: [{ email: 'admin@{slug}.test' }] } });
  });
});
