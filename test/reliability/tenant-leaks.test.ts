import type { Knex } from 'knex';
import { createKnex, withTenant } from '../../src/db';
import { loadProfile } from '../../src/definitions';
import { buildPlan } from '../../src/generate';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { resetDatabase } from '../../src/workflows';
import { testServer } from '../support/database';
import { editedProfile, SHIPPED_ENVIRONMENTS, shippedDefinitions } from '../support/datasets';
import { runCli } from '../support/run-cli';

describe('no tenant ever sees another tenant\'s rows', () => {
  let db: ScratchDatabase;
  let tenants: string[];

  beforeAll(async () => {
    db = await createScratchDatabase(testServer());
    const knex = createKnex(db.target);
    try {
      await resetDatabase({ knex, plan: buildPlan({ definitions: shippedDefinitions(), profile: loadProfile(SHIPPED_ENVIRONMENTS, 'staging'), tenants: 50 }), yes: true });
      tenants = (await knex('tenants').whereNot({ is_default: true }).pluck('id')) as string[];
    } finally {
      await knex.destroy();
    }
    expect(tenants).toHaveLength(50);
  });

  afterAll(() => db.drop());

  async function expectCleanConnections(knex: Knex): Promise<void> {
    // Both pooled connections, used at once outside withTenant: no role, no tenant left behind.
    const states = await Promise.all([0, 1].map(() =>
      knex.transaction(async (trx) => (await trx.raw(`SELECT current_user AS role, coalesce(current_setting('app.current_tenant_id', true), '') AS tenant, pg_backend_pid() AS pid, pg_sleep(0.05)`)).rows[0])));
    expect(new Set(states.map((s) => s.pid)).size).toBe(2);
    for (const state of states) expect(state).toMatchObject({ tenant: '' });
    for (const state of states) expect(state.role).not.toBe('tenantseed_app');
  }

  it('holds for 50 concurrent withTenant calls of different tenants over a pool of 2 connections', async () => {
    const knex = createKnex(db.target, { poolMax: 2 });
    try {
      const seen = await Promise.all(tenants.map((tenant) =>
        withTenant(knex, tenant, async (trx) => {
          const users = await trx('users').select('tenant_id');
          const documents = await trx('documents').select('tenant_id');
          const context = (await trx.raw(`SELECT current_setting('app.current_tenant_id', true) AS t, current_user AS role`)).rows[0];
          return { tenant, owners: new Set([...users, ...documents].map((r) => r.tenant_id)), context, rows: users.length + documents.length };
        })));
      for (const s of seen) {
        expect(s.rows).toBeGreaterThan(0);
        expect([...s.owners]).toEqual([s.tenant]);
        expect(s.context).toEqual({ t: s.tenant, role: 'tenantseed_app' });
      }
      await expectCleanConnections(knex);
    } finally {
      await knex.destroy();
    }
  });

  it('holds when half of the callbacks throw', async () => {
    const knex = createKnex(db.target, { poolMax: 2 });
    try {
      const results = await Promise.allSettled(tenants.map((tenant, i) =>
        withTenant(knex, tenant, async (trx) => {
          const owners = new Set((await trx('content_blocks').select('tenant_id')).map((r) => r.tenant_id));
          if (i % 2 === 0) throw new Error(`boom ${i}`);
          return [...owners];
        })));
      results.forEach((r, i) => {
        if (i % 2 === 0) expect(r).toMatchObject({ status: 'rejected', reason: { message: `boom ${i}` } });
        else expect(r).toEqual({ status: 'fulfilled', value: [tenants[i]] });
      });
      await expectCleanConnections(knex);
    } finally {
      await knex.destroy();
    }
  });

  it('never lets the application role own a table', async () => {
    const knex = createKnex(db.target);
    try {
      expect((await knex.raw(`SELECT count(*) AS n FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = 'tenantseed_app')`)).rows[0].n).toBe(0);
    } finally {
      await knex.destroy();
    }
  });
});

describe('user input is stored literally, never run as SQL', () => {
  let db: ScratchDatabase;
  const hostile = `O'Brien"; DROP TABLE users; -- 🐘 Zoë \\ \t tab`;

  beforeAll(async () => {
    db = await createScratchDatabase(testServer());
  });

  afterAll(() => db.drop());

  it('stores names and profile strings with quotes, semicolons and unicode as given', async () => {
    const { directory } = editedProfile('test', (p) => {
      p.tenants.named[0].name = hostile;
      p.tenants.named[0].rows.content_blocks[0].title = `Robert'); DROP TABLE tenants;--`;
    });
    const reset = await runCli(['--database-url', db.target.url, 'reset', '--env', 'test', '--environments', directory], { env: { CI: 'true' } });
    expect(reset.code).toBe(0);
    const add = await runCli(['--database-url', db.target.url, 'tenant', 'add', '--env', 'test', '--environments', directory, '--slug', 'quoted', '--name', hostile], { env: { CI: 'true' } });
    expect(add.code).toBe(0);
    const knex = createKnex(db.target);
    try {
      expect(await knex('tenants').where({ slug: 'acme' }).first().then((t) => t.name)).toBe(hostile);
      expect(await knex('tenants').where({ slug: 'quoted' }).first().then((t) => t.name)).toBe(hostile);
      expect(await knex('content_blocks').where({ slug: 'welcome' }).pluck('title')).toContain(`Robert'); DROP TABLE tenants;--`);
      expect(await knex.schema.hasTable('users')).toBe(true);
      expect(await knex.schema.hasTable('tenants')).toBe(true);
    } finally {
      await knex.destroy();
    }
  });
});
