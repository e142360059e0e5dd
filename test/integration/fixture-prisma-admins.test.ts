import fs from 'node:fs';
import path from 'node:path';
import { quoteIdentifier } from '../../src/db';
import { createTestDatabase } from '../../src/testing';
import { describeColumnMeanings } from '../support/column-meaning-checks';
import { applyPrismaMigrations, describeFixtureProject } from '../support/fixture-project';

/**
 * A Prisma project (test/fixtures/prisma-admins) as `prisma migrate deploy` leaves it, whose
 * `users` holds platform admins with no organization: a nullable "tenantId", a "Role" enum, a
 * hand-written CHECK `("role" = 'PLATFORM_ADMIN') = ("tenantId" IS NULL)`, and RLS policies that
 * match no tenant for a NULL "tenantId". introspect drafts the rows without a tenant from the
 * CHECK (the profile's withoutTenant); the steps run with no edit; then the admins are there,
 * in no tenant's counts, reachable by name, and invisible to the application role as any tenant.
 */
describeFixtureProject({
  name: 'prisma-admins',
  roles: ['admins_app'],
  appRole: 'admins_app',
  root: 'organizations',
  scoped: { table: 'users', column: 'tenantId' },
  apply: (db, dir) => applyPrismaMigrations(db.knex, dir),
  more: ({ cli, knex, folder }) => {
    // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
    describeColumnMeanings(knex, ['email', 'owner']);
    it('drafts the platform admins from the CHECK: a named one, every one PLATFORM_ADMIN, tenant rows never', () => {
      const profile = JSON.parse(fs.readFileSync(path.join(folder, 'db', 'environments', 'development.json'), 'utf8'));
      expect(profile.withoutTenant).toEqual({ users: { count: 2, values: { role: 'PLATFORM_ADMIN' }, rows: [{ email: 'platform-admin@example.test' }] } });
      const users = JSON.parse(fs.readFileSync(path.join(folder, 'db', 'definitions', 'users.json'), 'utf8'));
      const role = users.properties.role;
      expect(role['x-weights'][role.enum.indexOf('PLATFORM_ADMIN')]).toBe(0);
    });

    it('seeds the admins with no tenant, in no tenant\'s counts, and validate passes all checks', async () => {
      const reset = await cli(['reset', '--env', 'development']);
      expect(reset.stderr).not.toMatch(/^error/m);
      expect(reset.code).toBe(0);
      const users = (await knex().raw(`SELECT "tenantId", "role"::text AS role FROM users`)).rows as Array<{ tenantId: string | null; role: string }>;
      const admins = users.filter((u) => u.tenantId === null);
      expect(admins).toHaveLength(2);
      expect(admins.every((u) => u.role === 'PLATFORM_ADMIN')).toBe(true);
      expect(users.filter((u) => u.tenantId !== null).some((u) => u.role === 'PLATFORM_ADMIN')).toBe(false);
      const manifest = (await knex().raw('SELECT counts FROM tenantseed.seed_manifests ORDER BY id DESC LIMIT 1')).rows[0].counts as Record<string, Record<string, number>>;
      expect(manifest.users['(no tenant)']).toBe(2);
      const tenantIds = ((await knex().raw('SELECT id FROM organizations')).rows as Array<{ id: string }>).map((r) => r.id);
      const perTenant = Object.entries(manifest.users).filter(([k]) => k !== '(no tenant)');
      expect(perTenant.map(([k]) => k).every((k) => tenantIds.includes(k))).toBe(true);
      expect(perTenant.reduce((sum, [, n]) => sum + n, 0)).toBe(users.length - 2);
      // Projects (always of a tenant) are owned by users of their own tenant, never by an admin.
      const crossing = (await knex().raw(`SELECT count(*)::int AS n FROM projects p JOIN users u ON u.id = p."ownerId" WHERE u."tenantId" IS DISTINCT FROM p."tenantId"`)).rows[0].n;
      expect(crossing).toBe(0);
      const validate = await cli(['validate', '--env', 'development', '--json']);
      const report = JSON.parse(validate.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean }> };
      expect(report.checks.filter((c) => !c.ok && c.name !== 'schema').map((c) => c.name)).toEqual([]);
    });

    it('reaches the named admin by name, and the application role cannot see the admins as any tenant', async () => {
      const config = path.join(folder, 'tenantseed.config.json');
      const test = await createTestDatabase({ config, env: 'development', poolSize: 0, schemaFrom: (await knex().raw('SELECT current_database() AS name')).rows[0].name as string });
      try {
        const admin = test.fixtures.withoutTenant('users', 'platform-admin@example.test');
        expect(admin.tenantId).toBeNull();
        const row = (await test.knex.raw('SELECT "tenantId", "role"::text AS role FROM users WHERE id = ?', [admin.id])).rows[0];
        expect(row).toEqual({ tenantId: null, role: 'PLATFORM_ADMIN' });
        expect(() => test.fixtures.user('platform-admin@example.test')).toThrow(/withoutTenant/);
        // db.make with the tenant column null: a row drawn like the declared ones (the CHECK holds).
        const made = await test.make('users', { tenantId: null }) as Record<string, unknown>;
        expect(made).toMatchObject({ tenantId: null, role: 'PLATFORM_ADMIN' });
        await expect(test.make('users', { tenantId: null }, { asApp: true })).rejects.toThrow(/needs a tenant/);
        const tenants = ((await test.knex.raw('SELECT id FROM organizations ORDER BY id')).rows as Array<{ id: string }>).map((r) => r.id);
        expect(tenants.length).toBeGreaterThan(1);
        for (const tenant of tenants) {
          const seen = await test.withTenant(tenant, async (trx) => (await trx.raw(`SELECT count(*) FILTER (WHERE "tenantId" IS NULL)::int AS none, count(*)::int AS n FROM ${quoteIdentifier('users')}`)).rows[0]);
          expect(seen.none).toBe(0);
          expect(seen.n).toBeGreaterThan(0);
        }
      } finally {
        await test.destroy();
      }
    }, 240_000);

    it('fails validate when a policy shows the admins to tenants, or when a row without a tenant is not declared', async () => {
      const policy = quoteIdentifier('tenant_isolation_users');
      await knex().raw(`ALTER POLICY ${policy} ON users USING ("tenantId" = current_setting('app.current_org', true) OR "tenantId" IS NULL)`);
      try {
        const shown = JSON.parse((await cli(['validate', '--env', 'development', '--json'])).stdout) as { checks: Array<{ name: string; ok: boolean; details: { findings: Array<{ table?: string; message: string }> } }> };
        const isolation = shown.checks.find((c) => c.name === 'isolation')!;
        expect(isolation.ok).toBe(false);
        expect(isolation.details.findings).toContainEqual(expect.objectContaining({ table: 'users', message: expect.stringMatching(/sees 2 row\(s\) without a tenant/) }));
        // Visible with no tenant ever set: reported as such, not blamed on a context outliving its transaction.
        expect(isolation.details.findings).toContainEqual({ table: 'users', message: 'without a tenant, 2 row(s) are visible' });
        expect(isolation.details.findings.filter((f) => /outlives its transaction/.test(f.message))).toEqual([]);
      } finally {
        await knex().raw(`ALTER POLICY ${policy} ON users USING ("tenantId" = current_setting('app.current_org', true))`);
      }
      await knex().raw(`INSERT INTO users (id, "tenantId", email, name, role) VALUES ('undeclared-admin', NULL, 'x@example.test', 'X', 'PLATFORM_ADMIN')`);
      try {
        const extra = JSON.parse((await cli(['validate', '--env', 'development', '--json'])).stdout) as { checks: Array<{ name: string; ok: boolean; details: { findings: Array<{ tenant?: string; expected?: number; actual?: number }> } }> };
        const counts = extra.checks.find((c) => c.name === 'row-counts')!;
        expect(counts.ok).toBe(false);
        expect(counts.details.findings).toContainEqual(expect.objectContaining({ tenant: '(no tenant)', expected: 2, actual: 3 }));
      } finally {
        await knex().raw(`DELETE FROM users WHERE id = 'undeclared-admin'`);
      }
    }, 240_000);
  },
});
