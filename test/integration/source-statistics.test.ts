import { createKnex, migrate, readSchemaSnapshot, readSourceStatistics, StatisticsRequest } from '../../src/db';
import { fillProductionLikeSource } from '../support/production-like-source';
import { useFileDatabase } from '../support/database';
import { onServer } from '../support/on-server';

/**
 * The statistics reader on a production-like source (the shipped schema, filled by
 * test/support/production-like-source.ts): it learns enums, nulls, histograms, rows per tenant,
 * children per parent and JSON key paths, and not one value of a name, email, slug or text
 * column (they all carry the marker "zq") leaves the source.
 */
const LISTED = new Set(['tenants.plan', 'tenants.status', 'users.role', 'content_blocks.type', 'content_blocks.status']);

async function request(knex: ReturnType<typeof createKnex>): Promise<StatisticsRequest> {
  const snapshot = await readSchemaSnapshot(knex, 'public');
  return {
    schema: 'public',
    root: { table: 'tenants', idColumn: 'id' },
    tables: snapshot.tables.map((t) => ({
      name: t.name,
      tenantColumn: t.name !== 'tenants' && t.columns.some((c) => c.name === 'tenant_id') ? 'tenant_id' : undefined,
      columns: t.columns.map((c) => ({ name: c.name, baseType: c.baseType, isArray: c.isArray, listed: LISTED.has(`${t.name}.${c.name}`) })),
    })),
    references: [{ table: 'documents', columns: ['tenant_id', 'project_id'], parent: 'projects', parentColumns: ['tenant_id', 'id'] }],
  };
}

describe('readSourceStatistics on a production-like source', () => {
  const role = `learn_stats_${process.pid}`;
  const password = 'learn-stats-pw-1';
  // Declared before useFileDatabase: jest runs afterAll hooks in declaration order, and this one needs the database.
  afterAll(async () => {
    await onServer(async (client) => {
      await client.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    }, db.target.database);
  });

  const db = useFileDatabase();

  beforeAll(async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    await onServer((client) => fillProductionLikeSource(client), db.target.database);
  }, 120_000);

  it('learns categories, nulls, histograms and counts, and no value of a non-categorical column', async () => {
    const stats = await readSourceStatistics(db.knex, await request(db.knex));
    const column = (table: string, name: string) => stats.columns.find((c) => c.table === table && c.column === name)!;
    const action = column('audit_logs', 'action');
    expect(action.kind).toBe('categorical');
    expect(action.categories!.map((c) => c.value).sort()).toEqual(['api_key.create', 'document.create', 'document.update', 'settings.change', 'user.invite', 'user.login']);
    expect(action.categories!.reduce((a, c) => a + c.frequency, 0)).toBeCloseTo(1, 5);
    expect(column('users', 'role').categories!.find((c) => c.value === 'member')!.frequency).toBeGreaterThan(0.6);
    expect(column('users', 'is_active').categories!.find((c) => c.value === true)!.frequency).toBeGreaterThan(0.8);
    expect(column('users', 'last_login_at').nullFraction).toBeGreaterThan(0.2);
    expect(column('users', 'last_login_at').histogram!.length).toBeGreaterThan(10);
    for (const name of ['email', 'name', 'password_hash']) {
      expect(column('users', name).kind).toBe('text');
      expect(column('users', name).categories).toBeUndefined();
    }
    expect(column('content_blocks', 'metadata').keys!.map((k) => k.path.join('.'))).toEqual(expect.arrayContaining(['seo', 'seo.score', 'seo.title', 'wordCount', 'reviewedBy.team']));
    expect(column('content_blocks', 'metadata').keys!.find((k) => k.path.join('.') === 'reviewedBy')!.presence).toBeLessThan(0.5);
    expect(column('content_blocks', 'tags').lengths).toHaveLength(21);
    expect(stats.rowsPerTenant.users).toMatchObject({ groups: 61, source: 'aggregate' });
    expect(stats.rowsPerTenant.users.quantiles[20]).toBe(300);
    expect(stats.rowsPerTenant.users.quantiles[0]).toBe(0);
    expect(stats.childrenPerParent['documents.project_id'].quantiles[20]).toBeGreaterThan(stats.childrenPerParent['documents.project_id'].quantiles[10] * 3);
    // Every name, email, slug, title and JSON string of the source holds "zq": none was read.
    expect(JSON.stringify(stats)).not.toMatch(/zq/i);
    expect(stats.read.filter((r) => r.skipped)).toEqual([]);
  });

  it('says what a role subject to row-level security, or without SELECT, could not read, and estimates from what it sees', async () => {
    await db.knex.raw(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS IN ROLE pg_read_all_stats`);
    await db.knex.raw(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await db.knex.raw(`GRANT SELECT ON platform_audit_logs TO ${role}`);
    const url = new URL(db.target.url);
    url.username = role;
    url.password = password;
    const knex = createKnex({ ...db.target, url: url.toString() });
    try {
      const stats = await readSourceStatistics(knex, await request(db.knex));
      const skipped = (what: string) => stats.read.find((r) => r.what === what)?.skipped;
      expect(skipped('column statistics of users')).toMatch(/may not SELECT|row-level security/);
      expect(skipped('rows per tenant of users')).toMatch(/may not SELECT users|may not SELECT tenants/);
      expect(skipped('column statistics of platform_audit_logs')).toBeUndefined();
      expect(stats.columns.some((c) => c.table === 'users')).toBe(false);
      expect(stats.columns.find((c) => c.table === 'platform_audit_logs' && c.column === 'action')!.categories).toHaveLength(3);

      await db.knex.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      const subject = await readSourceStatistics(knex, await request(db.knex));
      expect(subject.read.find((r) => r.what === 'rows per tenant of users')!.skipped).toMatch(/row-level security applies to this role on tenants/);
    } finally {
      await knex.destroy();
    }
  });
});
