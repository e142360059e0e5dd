import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex, withTenant } from '../../src/db';
import { parseDatabaseUrl } from '../../src/config';
import { createTestDatabase, TestDatabase } from '../../src/testing';

/**
 * `SET LOCAL` inside a savepoint survives `RELEASE SAVEPOINT`: a nested withTenant (a knex
 * savepoint) for tenant B used to leave the outer transaction of tenant A reading B's rows.
 * Run as a login role that is not a superuser, only a member of the application role, as an
 * application connects.
 */
describe('nested withTenant', () => {
  let db: TestDatabase;
  let knex: Knex;
  const login = `tenantseed_nested_${randomBytes(4).toString('hex')}`;
  // The embedded server asks for a password (SCRAM), the machine's may trust: give one either way.
  const password = randomBytes(12).toString('hex');
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    db = await createTestDatabase({ env: 'test' });
    acme = String(db.fixtures.tenant('acme').id);
    globex = String(db.fixtures.tenant('globex').id);
    await db.knex.raw(`CREATE ROLE ${login} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS IN ROLE ${db.project.tenancy.appRole}`);
    const url = new URL(db.url);
    url.username = login;
    url.password = password;
    knex = createKnex(parseDatabaseUrl(url.toString(), 'test'), { poolMax: 1 });
  });

  afterAll(async () => {
    await knex?.destroy();
    await db?.knex.raw(`DROP ROLE IF EXISTS ${login}`);
    await db?.destroy();
  });

  const tenantsOf = async (trx: Knex.Transaction) => [...new Set((await trx('users').select('tenant_id')).map((r) => String(r.tenant_id)))];
  const context = async (trx: Knex.Transaction) =>
    (await trx.raw(`SELECT current_user AS role, current_setting('app.current_tenant_id', true) AS tenant`)).rows[0];

  it('reads the outer tenant\'s rows after an inner withTenant of another tenant returns', async () => {
    const seen = await withTenant(knex, acme, async (trx) => {
      const inner = await withTenant(trx, globex, tenantsOf);
      expect(inner).toEqual([globex]);
      return { tenants: await tenantsOf(trx), context: await context(trx) };
    });
    expect(seen.tenants).toEqual([acme]);
    expect(seen.context).toEqual({ role: db.project.tenancy.appRole, tenant: acme });
  });

  it('reads the outer tenant\'s rows after an inner withTenant of another tenant throws', async () => {
    const seen = await withTenant(knex, acme, async (trx) => {
      await expect(withTenant(trx, globex, async (inner) => {
        expect(await tenantsOf(inner)).toEqual([globex]);
        throw new Error('inner failed');
      })).rejects.toThrow('inner failed');
      return tenantsOf(trx);
    });
    expect(seen).toEqual([acme]);
  });

  it('gives a plain outer transaction back its own role and no tenant after an inner withTenant', async () => {
    const after = await knex.transaction(async (trx) => {
      await withTenant(trx, globex, tenantsOf);
      return context(trx);
    });
    expect(after.role).toBe(login);
    expect(after.tenant ?? '').toBe('');
  });

  it('keeps what the inner withTenant wrote, as the inner tenant', async () => {
    const title = `nested-${randomBytes(3).toString('hex')}`;
    await withTenant(knex, acme, async (trx) => {
      await withTenant(trx, globex, (inner) => inner('projects').insert({ tenant_id: globex, name: title }));
      expect(await trx('projects').where({ name: title })).toEqual([]);
    });
    const stored = await db.knex('projects').where({ name: title }).select('tenant_id');
    expect(stored.map((r) => String(r.tenant_id))).toEqual([globex]);
  });
});
