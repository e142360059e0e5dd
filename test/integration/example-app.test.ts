/**
 * An example of how an application's integration tests use tenantseed: only the public API,
 * as a user would write it (with `from 'tenantseed'` instead of the relative path).
 */
import { createTestDatabase, TestDatabase, withTenant } from '../../src';

describe('an application\'s document listing (example)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ env: 'test' });
  });

  afterAll(() => db.destroy());

  it('lists only the current tenant\'s documents', async () => {
    const acme = db.fixtures.tenant('acme');
    const globex = db.fixtures.tenant('globex');
    const docs = await withTenant(db.knex, acme.id, (trx) => trx('documents').select('tenant_id', 'title'));
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every((d) => d.tenant_id === acme.id)).toBe(true);
    const leaked = await withTenant(db.knex, acme.id, (trx) => trx('documents').where({ tenant_id: globex.id }));
    expect(leaked).toEqual([]);
  });

  it('lets a test change data freely: the next test file gets a fresh copy', async () => {
    const admin = db.fixtures.user('admin@acme.test');
    await withTenant(db.knex, admin.tenantId, (trx) => trx('users').where({ id: admin.id }).update({ is_active: false }));
    const row = await db.knex('users').where({ id: admin.id }).first();
    expect(row.is_active).toBe(false);
    // What the next test file gets: a database of its own, cloned from the template, with the
    // admin as the dataset made it.
    const next = await createTestDatabase({ env: 'test' });
    try {
      const names = await Promise.all([db, next].map(async (d) => (await d.knex.raw('SELECT current_database() AS name')).rows[0].name));
      expect(names[1]).not.toBe(names[0]);
      const fresh = await next.knex('users').where({ id: admin.id }).first();
      expect(fresh.is_active).toBe(true);
    } finally {
      await next.destroy();
    }
  });
});
