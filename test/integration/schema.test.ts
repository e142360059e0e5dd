import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex, migrate, withTenant } from '../../src/db';
import { createScratchDatabase } from '../../src/testing';
import { useFileDatabase, testServer } from '../support/database';
import { schemaSnapshot } from '../support/schema-snapshot';

const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000001';
const TENANT_TABLES = ['users', 'tenant_api_keys', 'tenant_configs', 'content_blocks', 'audit_logs', 'projects', 'documents'];
const HASH = 'a'.repeat(64);

interface TenantRows {
  tenantId: string;
  userId: string;
  projectId: string;
  documentId: string;
}

/** One row in every tenant table for a new tenant, written as the (RLS-bypassing) owner. */
async function insertTenant(knex: Knex, slug: string): Promise<TenantRows> {
  const tenantId = randomUUID();
  const userId = randomUUID();
  const projectId = randomUUID();
  const documentId = randomUUID();
  await knex('tenants').insert({ id: tenantId, slug, name: slug.toUpperCase() });
  await knex('users').insert({ tenant_id: tenantId, id: userId, email: `admin@${slug}.test`, name: 'Admin', role: 'admin', password_hash: 'x' });
  await knex('tenant_api_keys').insert({ tenant_id: tenantId, name: 'ci', prefix: `ts_${slug}`, key_hash: HASH, created_by_user_id: userId });
  await knex('tenant_configs').insert({ tenant_id: tenantId, template_id: '00000000-0000-0000-0001-000000000001', settings: {} });
  await knex('content_blocks').insert({ tenant_id: tenantId, type: 'faq', slug: 'welcome', title: 'Welcome', author_user_id: userId });
  await knex('audit_logs').insert({ tenant_id: tenantId, actor_user_id: userId, action: 'login', entity_type: 'user', entity_id: userId });
  await knex('projects').insert({ tenant_id: tenantId, id: projectId, name: `${slug} project` });
  await knex('documents').insert({ tenant_id: tenantId, id: documentId, project_id: projectId, title: 'Doc' });
  return { tenantId, userId, projectId, documentId };
}

describe('the multi-tenant schema', () => {
  const db = useFileDatabase();
  let a: TenantRows;
  let b: TenantRows;

  beforeAll(async () => {
    await migrate({ knex: db.knex, action: 'up' });
    await db.knex('projects').insert([{ id: randomUUID(), name: 'legacy one' }, { id: randomUUID(), name: 'legacy two' }]);
    await migrate({ knex: db.knex, action: 'latest' });
    a = await insertTenant(db.knex, 'acme');
    b = await insertTenant(db.knex, 'globex');
  });

  describe('row-level security, as tenantseed_app', () => {
    it.each(TENANT_TABLES)('shows only the current tenant\'s rows of %s', async (table) => {
      const rows = await withTenant(db.knex, a.tenantId, (trx) => trx(table).select('tenant_id'));
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([a.tenantId]));
    });

    it.each(TENANT_TABLES)('touches 0 rows of another tenant in %s on update and delete', async (table) => {
      const updated = await withTenant(db.knex, a.tenantId, (trx) => trx(table).where({ tenant_id: b.tenantId }).update({ tenant_id: b.tenantId }));
      const deleted = await withTenant(db.knex, a.tenantId, (trx) => trx(table).where({ tenant_id: b.tenantId }).del());
      expect([updated, deleted]).toEqual([0, 0]);
      const still = await db.knex(table).where({ tenant_id: b.tenantId }).count({ n: '*' });
      expect(still[0].n).toBeGreaterThan(0);
    });

    it('refuses to insert a row carrying another tenant\'s id', async () => {
      await expect(
        withTenant(db.knex, a.tenantId, (trx) => trx('projects').insert({ tenant_id: b.tenantId, name: 'smuggled' })),
      ).rejects.toThrow(/row-level security/);
    });

    it('refuses to move a row to another tenant', async () => {
      await expect(
        withTenant(db.knex, a.tenantId, (trx) => trx('projects').where({ id: a.projectId }).update({ tenant_id: b.tenantId })),
      ).rejects.toThrow(/row-level security/);
    });

    it('refuses a row that points at another tenant\'s row, whoever writes it', async () => {
      await expect(
        withTenant(db.knex, a.tenantId, (trx) => trx('documents').insert({ tenant_id: a.tenantId, project_id: b.projectId, title: 'x' })),
      ).rejects.toThrow(/documents_project_fkey/);
      // Even the owner, who bypasses RLS, cannot: the composite foreign key forbids it.
      await expect(db.knex('documents').insert({ tenant_id: a.tenantId, project_id: b.projectId, title: 'x' })).rejects.toThrow(/documents_project_fkey/);
      await expect(
        db.knex('content_blocks').insert({ tenant_id: a.tenantId, type: 'faq', slug: 'x', title: 'x', author_user_id: b.userId }),
      ).rejects.toThrow(/content_blocks_author_fkey/);
    });

    it('sees its own tenant row only', async () => {
      const tenants = await withTenant(db.knex, a.tenantId, (trx) => trx('tenants').select('slug'));
      expect(tenants).toEqual([{ slug: 'acme' }]);
    });

    it.each([
      ['no context', null],
      ['an empty context', ''],
      ['an unknown tenant', randomUUID()],
    ])('shows 0 rows and no error with %s', async (_label, context) => {
      const counts = await db.knex.transaction(async (trx) => {
        await trx.raw('SET LOCAL ROLE tenantseed_app');
        if (context !== null) await trx.raw("SELECT set_config('app.current_tenant_id', ?, true)", [context]);
        const result: number[] = [];
        for (const table of [...TENANT_TABLES, 'tenants']) result.push((await trx(table).count({ n: '*' }))[0].n as number);
        return result;
      });
      expect(counts.every((n) => n === 0)).toBe(true);
    });

    it('leaves no role or tenant on the pooled connection after withTenant, even when it throws', async () => {
      const knex = createKnex(db.target, { poolMax: 1 });
      try {
        await expect(withTenant(knex, a.tenantId, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
        await withTenant(knex, a.tenantId, async () => undefined);
        const state = await knex.raw("SELECT current_user AS role, current_setting('app.current_tenant_id', true) AS tenant");
        expect(state.rows[0].role).not.toBe('tenantseed_app');
        expect(state.rows[0].tenant ?? '').toBe('');
      } finally {
        await knex.destroy();
      }
    });

    it('refuses a tenant id that is not a UUID before touching the database', async () => {
      await expect(withTenant(db.knex, 'acme', async () => 1)).rejects.toThrow(/not a tenant id/);
    });
  });

  describe('roles', () => {
    it('gives tenantseed_app no bypass, no superuser and no table, and tenantseed_admin BYPASSRLS', async () => {
      const roles = await db.knex.raw(
        `SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname IN ('tenantseed_app', 'tenantseed_admin') ORDER BY rolname`,
      );
      expect(roles.rows).toEqual([
        { rolname: 'tenantseed_admin', rolsuper: false, rolbypassrls: true, rolcanlogin: false },
        { rolname: 'tenantseed_app', rolsuper: false, rolbypassrls: false, rolcanlogin: false },
      ]);
      const owned = await db.knex.raw(`SELECT count(*) AS n FROM pg_tables WHERE tableowner = 'tenantseed_app'`);
      expect(owned.rows[0].n).toBe(0);
    });
  });

  describe('legacy absorption', () => {
    it('gave every legacy row to the flagged default tenant and recorded how many', async () => {
      const legacy = await db.knex('projects').where({ tenant_id: DEFAULT_TENANT_ID }).count({ n: '*' });
      expect(legacy[0].n).toBe(2);
      const ledger = await db.knex('tenantseed.legacy_absorption').select('table_name', 'rows_absorbed', 'tenant_id').orderBy('table_name');
      expect(ledger).toEqual([
        { table_name: 'documents', rows_absorbed: 0, tenant_id: DEFAULT_TENANT_ID },
        { table_name: 'projects', rows_absorbed: 2, tenant_id: DEFAULT_TENANT_ID },
      ]);
      const tenant = await db.knex('tenants').where({ id: DEFAULT_TENANT_ID }).first();
      expect(tenant).toMatchObject({ slug: 'default', is_default: true });
    });
  });
});

describe('migrating legacy data', () => {
  const db = useFileDatabase();

  it('absorbs legacy rows on the way up and returns them unchanged on the way down', async () => {
    await migrate({ knex: db.knex, action: 'up' });
    const projects = Array.from({ length: 5 }, (_, i) => ({ id: randomUUID(), name: `p${i}`, description: i % 2 ? null : `d${i}`, archived: i === 3 }));
    await db.knex('projects').insert(projects);
    const documents = projects.flatMap((p, i) => Array.from({ length: i }, (_, j) => ({ id: randomUUID(), project_id: p.id, title: `t${i}.${j}`, body: 'body' })));
    await db.knex('documents').insert(documents);
    const before = {
      projects: await db.knex('projects').select('*').orderBy('id'),
      documents: await db.knex('documents').select('*').orderBy('id'),
    };
    const baselineSchema = await schemaSnapshot(db.knex);

    await migrate({ knex: db.knex, action: 'latest' });
    const ledger = await db.knex('tenantseed.legacy_absorption').select('table_name', 'rows_absorbed').orderBy('table_name');
    expect(ledger).toEqual([
      { table_name: 'documents', rows_absorbed: documents.length },
      { table_name: 'projects', rows_absorbed: projects.length },
    ]);
    for (const table of ['projects', 'documents']) {
      const owners = await db.knex(table).select('tenant_id').count({ n: '*' }).groupBy('tenant_id');
      expect(owners).toEqual([{ tenant_id: DEFAULT_TENANT_ID, n: table === 'projects' ? projects.length : documents.length }]);
    }

    await migrate({ knex: db.knex, action: 'down' }); // the Citus-ready references
    await migrate({ knex: db.knex, action: 'down' }); // tenancy
    expect(await db.knex('projects').select('*').orderBy('id')).toEqual(before.projects);
    expect(await db.knex('documents').select('*').orderBy('id')).toEqual(before.documents);
    expect(await schemaSnapshot(db.knex)).toEqual(baselineSchema);
  });

  it('builds the same schema after up, rollback --all and up again', async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    const first = await schemaSnapshot(db.knex);
    expect(first.length).toBeGreaterThan(50);
    const rolledBack = await migrate({ knex: db.knex, action: 'rollback-all' });
    expect(rolledBack.applied).toEqual([]);
    expect(await db.knex.raw(`SELECT to_regclass('public.tenants') AS t`).then((r) => r.rows[0].t)).toBeNull();
    await migrate({ knex: db.knex, action: 'latest' });
    expect(await schemaSnapshot(db.knex)).toEqual(first);
  });

  it('rolls the tenancy migration back whole when its session dies, and a rerun succeeds', async () => {
    await migrate({ knex: db.knex, action: 'rollback-all' });
    await migrate({ knex: db.knex, action: 'up' });
    await db.knex('projects').insert({ id: randomUUID(), name: 'survivor' });
    const baseline = await schemaSnapshot(db.knex);

    // Hold a lock the migration will wait for (it alters documents), then kill the migrating session.
    const blocker = createKnex(db.target);
    const migrator = createKnex(db.target, { applicationName: 'migrator-under-test' });
    const trx = await blocker.transaction();
    try {
      await trx.raw('LOCK TABLE documents IN ACCESS SHARE MODE');
      const running = migrate({ knex: migrator, action: 'latest' });
      running.catch(() => undefined);
      for (let i = 0; i < 100; i++) {
        const waiting = await db.knex.raw(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'migrator-under-test' AND wait_event_type = 'Lock'`,
        );
        if (waiting.rows.length > 0) {
          await db.knex.raw('SELECT pg_terminate_backend(?)', [waiting.rows[0].pid]);
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await expect(running).rejects.toThrow();
    } finally {
      await trx.rollback();
      await blocker.destroy();
      await migrator.destroy();
    }
    expect(await schemaSnapshot(db.knex)).toEqual(baseline);
    expect(await db.knex('projects').pluck('name')).toEqual(['survivor']);
    const lock = await db.knex('tenantseed.knex_migrations_lock').select('is_locked');
    expect(lock).toEqual([{ is_locked: 0 }]);

    const rerun = await migrate({ knex: db.knex, action: 'latest' });
    expect(rerun.ran).toEqual(['20260101000100_tenancy', '20260101000200_citus_ready_user_references']);
    expect(await db.knex('projects').where({ tenant_id: DEFAULT_TENANT_ID }).pluck('name')).toEqual(['survivor']);
  });
});

describe('migrating one database twice at once', () => {
  const db = useFileDatabase();

  it('applies the shipped migrations once; the other run finds nothing to do', async () => {
    const second = createKnex(db.target);
    try {
      const results = await Promise.all([migrate({ knex: db.knex, action: 'latest' }), migrate({ knex: second, action: 'latest' })]);
      expect(results.map((r) => r.ran.length).sort()).toEqual([0, 3]);
      expect((await db.knex('tenantseed.knex_migrations').count({ n: '*' }))[0].n).toBe(3);
    } finally {
      await second.destroy();
    }
  });
});

describe('migrating many databases at once', () => {
  it('creates the cluster-wide roles safely when several databases migrate concurrently', async () => {
    const databases = await Promise.all([1, 2, 3].map(() => createScratchDatabase(testServer())));
    const knexes = databases.map((d) => createKnex(d.target));
    try {
      const results = await Promise.all(knexes.map((knex) => migrate({ knex, action: 'latest' })));
      for (const result of results) expect(result.pending).toEqual([]);
    } finally {
      await Promise.all(knexes.map((k) => k.destroy()));
      await Promise.all(databases.map((d) => d.drop()));
    }
  });
});
